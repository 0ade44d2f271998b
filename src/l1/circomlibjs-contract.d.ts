// circomlibjs's Poseidon contract generator (src/poseidon_gencontract.js), used by src/l1/poseidon-contract.ts.
// Merges with the ambient "circomlibjs" declaration in src/types/circomlibjs.d.ts.
declare module "circomlibjs" {
  export const poseidonContract: {
    /** Deployment bytecode (0x-hex) of a contract exposing poseidon(uint256[n]) and poseidon(bytes32[n]). */
    createCode(nInputs: number): string;
  };
}
