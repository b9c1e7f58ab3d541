// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @dev An account that calls back into a contract when it receives the native coin or a licence token: the target's
/// reentrancy guard must refuse the call, and the payment must fail as a whole.
contract Reenterer {
    address public reentryTarget;
    bytes public callback;
    bool public reentered;
    bytes public reason;

    function arm(address reentryTarget_, bytes calldata callback_) external {
        reentryTarget = reentryTarget_;
        callback = callback_;
    }

    function forward(address to, uint256 value, bytes calldata data) external payable returns (bytes memory) {
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory result) = to.call{value: value}(data);
        if (!ok) {
            assembly {
                revert(add(result, 32), mload(result))
            }
        }
        return result;
    }

    receive() external payable {
        _reenter();
    }

    function onERC1155Received(address, address, uint256, uint256, bytes calldata) external returns (bytes4) {
        _reenter();
        return this.onERC1155Received.selector;
    }

    function _reenter() private {
        if (reentryTarget == address(0)) return;
        address to = reentryTarget;
        reentryTarget = address(0);
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory result) = to.call(callback);
        if (!ok) {
            assembly {
                revert(add(result, 32), mload(result))
            }
        }
        reentered = true;
    }
}
