// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IDerivativeAuthority
 * @notice Consulted by the provenance registry when a registrant names a parent work it does not own: the licensing
 * ledger answers whether the registrant holds an active licence that permits derivative works of that parent.
 */
interface IDerivativeAuthority {
    /// @notice The id of an active grant that lets `registrant` register a derivative of `parentId`, or zero if none.
    /// @dev Called with STATICCALL: it must not change state.
    function derivativeGrantOf(address registrant, uint256 parentId) external view returns (uint256 grantId);
}
