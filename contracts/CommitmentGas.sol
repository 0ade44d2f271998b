// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPoseidon6} from "./ZkRollup.sol";

/// Measures what committing to a batch's public data costs on an EVM, three ways, over the same bytes:
/// header (rollupId, oldRoot, newRoot, l1Acc) followed by the posted records.
///  - poseidonChain: the rollup's choice, a width-6 Poseidon hash chain over the header and the records cut
///    into 31-byte big-endian chunks (as ZkRollup.hashChain and src/state/batch.ts);
///  - sha256: the SHA-256 precompile over the packed bytes, reduced to a field element;
///  - keccak: KECCAK256 over the packed bytes, reduced to a field element.
/// Each is a transaction that emits the hash and the gas the hash took, measured by the EVM itself
/// (gasleft() before and after, so calldata decoding and the event are left out). Differencing whole
/// transactions would not work here: for calldata-heavy, compute-light transactions the EIP-7623 calldata
/// floor (Prague) sets gasUsed, whatever the hash costs.
contract CommitmentGas {
    uint256 internal constant FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 internal constant CHUNK_BYTES = 31;

    event Hashed(uint256 value, uint256 gasUsed);

    IPoseidon6 public immutable poseidon6;

    constructor(IPoseidon6 poseidon6_) {
        poseidon6 = poseidon6_;
    }

    function poseidonChain(uint256[4] calldata header, bytes calldata records) external {
        uint256 g = gasleft();
        uint256 chunks = (records.length + CHUNK_BYTES - 1) / CHUNK_BYTES;
        uint256 h = poseidon6.poseidon([header[0], header[1], header[2], header[3], chunk(records, 0), chunk(records, 1)]);
        for (uint256 k = 2; k < chunks; k += 5) {
            h = poseidon6.poseidon([h, chunk(records, k), chunk(records, k + 1), chunk(records, k + 2), chunk(records, k + 3), chunk(records, k + 4)]);
        }
        emit Hashed(h, g - gasleft());
    }

    function sha256Packed(uint256[4] calldata header, bytes calldata records) external {
        uint256 g = gasleft();
        uint256 h = uint256(sha256(abi.encodePacked(header, records))) % FIELD;
        emit Hashed(h, g - gasleft());
    }

    function keccakPacked(uint256[4] calldata header, bytes calldata records) external {
        uint256 g = gasleft();
        uint256 h = uint256(keccak256(abi.encodePacked(header, records))) % FIELD;
        emit Hashed(h, g - gasleft());
    }

    function chunk(bytes calldata records, uint256 k) internal pure returns (uint256 v) {
        uint256 start = CHUNK_BYTES * k;
        if (start >= records.length) return 0;
        uint256 length = records.length - start < CHUNK_BYTES ? records.length - start : CHUNK_BYTES;
        uint256 at;
        assembly {
            at := add(records.offset, start)
            v := calldataload(at)
        }
        v >>= 256 - 8 * length;
    }
}
