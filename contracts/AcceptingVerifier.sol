// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// TEST ONLY — NEVER DEPLOY WITH VALUE AT STAKE: accepts every proof.
///
/// The snarkjs Groth16 verifier's verifyProof signature (IGroth16Verifier in ZkRollup.sol), returning true.
/// The demo's cost-by-batch-size table runs ZkRollup.sol with it for batch sizes whose circuit cannot be
/// proven here, and adds the real verifier's gas, measured in the same run (src/demo/cost-model.ts).
contract AcceptingVerifier {
    function verifyProof(
        uint256[2] calldata,
        uint256[2][2] calldata,
        uint256[2] calldata,
        uint256[1] calldata
    ) external pure returns (bool) {
        return true;
    }
}
