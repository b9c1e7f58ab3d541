// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title PassiveVault
 * @notice A contract that accepts the native coin and can call nothing (a vault without modules, a push-style
 * splitter): money owed to it can only reach it pushed, by `withdrawFor`.
 */
contract PassiveVault {
    /// @notice Accepts any native coin sent.
    receive() external payable {}
}
