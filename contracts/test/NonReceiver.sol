// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title NonReceiver
 * @notice A contract that does not implement IERC721Receiver, to check that assignments refuse to strand a work in it.
 */
contract NonReceiver {
    /// @notice Any call with data is accepted and ignored.
    fallback() external {}
}
