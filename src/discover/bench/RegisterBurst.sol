// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// The registry function this bench contract calls.
interface IAtivoRegistryForDiscoverBench {
    function register(
        bytes32 contentRoot,
        string calldata manifestId,
        bytes32 termsHash,
        uint256 price,
        address[] calldata payees,
        uint16[] calldata bps,
        uint64 accessPeriod
    ) external returns (uint256);
}

/**
 * BENCH ONLY. Registers many assets per transaction (each a distinct content root, the whole
 * split to the caller), so thousands of Registered events land on a local chain in seconds.
 * The tokens are owned by this contract.
 */
contract RegisterBurst {
    IAtivoRegistryForDiscoverBench public immutable registry;

    constructor(IAtivoRegistryForDiscoverBench registry_) {
        registry = registry_;
    }

    /// Registers `n` assets, content roots keccak256(salt, start + i), priced `price` (+ i wei).
    function burst(bytes32 salt, uint256 start, uint256 n, uint256 price) external {
        address[] memory payees = new address[](1);
        payees[0] = msg.sender;
        uint16[] memory bps = new uint16[](1);
        bps[0] = 10_000;
        for (uint256 i = 0; i < n; ++i) {
            registry.register(keccak256(abi.encode(salt, start + i)), "bench-manifest", bytes32(uint256(1)), price + i, payees, bps, 0);
        }
    }
}
