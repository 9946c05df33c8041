// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// The registry functions this bench contract calls.
interface IAtivoRegistryForBench {
    function register(
        bytes32 contentRoot,
        string calldata manifestId,
        bytes32 termsHash,
        uint256 price,
        address[] calldata payees,
        uint16[] calldata bps,
        uint64 accessPeriod
    )
        external
        returns (uint256);
    function requestAccess(uint256 tokenId, string calldata recipient, string calldata message, bytes32 expectedTermsHash)
        external
        payable
        returns (uint256);
    function approve(uint256 requestId, string calldata grantId) external;
}

/**
 * BENCH ONLY. Owns one asset whose whole split goes to `payee`, and makes many paid requests
 * and approvals per transaction, so thousands of payouts (Credited events) land on a local
 * chain in seconds.
 */
contract PayoutBurst {
    /// The terms this bench's asset is registered under (and its requests accept).
    bytes32 public constant TERMS_HASH = bytes32(uint256(1));

    IAtivoRegistryForBench public immutable registry;
    uint256 public tokenId;
    uint256 public price;

    constructor(IAtivoRegistryForBench registry_) {
        registry = registry_;
    }

    function setup(bytes32 contentRoot, address payee, uint256 price_) external {
        address[] memory payees = new address[](1);
        payees[0] = payee;
        uint16[] memory bps = new uint16[](1);
        bps[0] = 10_000;
        price = price_;
        tokenId = registry.register(contentRoot, "bench-manifest", TERMS_HASH, price_, payees, bps, 0); // 0: access without end
    }

    /// `n` requests, each approved at once; send n * price.
    function burst(uint256 n) external payable {
        require(msg.value == n * price, "send n * price");
        for (uint256 i = 0; i < n; ++i) {
            uint256 id = registry.requestAccess{value: price}(tokenId, "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq", "", TERMS_HASH);
            registry.approve(id, "");
        }
    }
}
