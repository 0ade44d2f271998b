export { createKeyFile, readKeyFile, walletFromPrivateKey, KeyFileError, type WalletKey } from "./keyfile.ts";
export { Wallet, WalletError } from "./wallet.ts";
