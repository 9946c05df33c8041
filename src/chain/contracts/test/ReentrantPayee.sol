// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// The registry functions this test contract calls (no import: it stands on its own).
interface IAtivoRegistryForTest {
    function withdraw() external;
    function withdrawTo(address payable to) external;
    function requestAccess(uint256 tokenId, string calldata recipient, string calldata message, bytes32 expectedTermsHash)
        external
        payable
        returns (uint256);
    function cancel(uint256 requestId) external;
}

/**
 * TEST ONLY. A payee/requester that misbehaves when it receives ether:
 * - ReenterWithdraw: calls withdraw() again and lets a failure bubble up;
 * - ReenterWithdrawSwallow: calls withdraw() again, catches the failure, keeps the ether;
 * - ReenterRequest: tries requestAccess() (another nonReentrant entry point), catches the failure;
 * - Reject: refuses every incoming transfer.
 */
contract ReentrantPayee {
    enum Mode {
        None,
        ReenterWithdraw,
        ReenterWithdrawSwallow,
        ReenterRequest,
        Reject
    }

    IAtivoRegistryForTest public immutable registry;
    Mode public mode;
    uint256 public received;
    uint256 public receiveCalls;
    uint256 public reentryFailures;
    bytes public lastReentryError;

    constructor(IAtivoRegistryForTest registry_) {
        registry = registry_;
    }

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    function requestAccess(uint256 tokenId, string calldata recipient, bytes32 termsHash) external payable returns (uint256) {
        return registry.requestAccess{value: msg.value}(tokenId, recipient, "", termsHash);
    }

    function cancel(uint256 requestId) external {
        registry.cancel(requestId);
    }

    function withdraw() external {
        registry.withdraw();
    }

    function withdrawTo(address payable to) external {
        registry.withdrawTo(to);
    }

    receive() external payable {
        receiveCalls += 1;
        received += msg.value;
        Mode m = mode;
        if (m == Mode.Reject) {
            revert("ReentrantPayee: no ether accepted");
        } else if (m == Mode.ReenterWithdraw) {
            registry.withdraw();
        } else if (m == Mode.ReenterWithdrawSwallow) {
            try registry.withdraw() {} catch (bytes memory err) {
                reentryFailures += 1;
                lastReentryError = err;
            }
        } else if (m == Mode.ReenterRequest) {
            try registry.requestAccess{value: 0}(1, "age1reentry", "", bytes32(0)) returns (uint256) {} catch (bytes memory err) {
                reentryFailures += 1;
                lastReentryError = err;
            }
        }
    }
}
