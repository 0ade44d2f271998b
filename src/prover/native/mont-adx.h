// Montgomery multiplication with mulx/adcx/adox (BMI2 + ADX): not written yet, so every build is portable.
#ifndef ZKR_MONT_ADX_H
#define ZKR_MONT_ADX_H
#define ZKR_HAVE_ADX 0
#endif
