// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IDerivativeAuthority
 * @notice Consulted by the provenance registry when a registrant names a parent work it does not own: the licensing
 * ledger answers whether the registrant holds an active licence that permits derivative works of that parent, and
 * records the derivative royalty that licence's terms set.
 */
interface IDerivativeAuthority {
    /// @notice The id of an active grant that lets `registrant` register a derivative of `parentId`, or zero if none.
    function derivativeGrantOf(address registrant, uint256 parentId) external view returns (uint256 grantId);

    /// @notice Called by the registry while it registers `workId` with parent `parentId`, which `registrant` does not
    /// own: returns the authorising grant (zero: not authorised) and records the derivative royalty its terms set,
    /// which `workId` then owes `parentId` on everything it earns. Only the registry may call.
    /// @return grantId The authorising grant, or zero.
    /// @return royaltyBps The royalty rate recorded (zero: none owed).
    function authoriseDerivative(
        address registrant,
        uint256 workId,
        uint256 parentId
    ) external returns (uint256 grantId, uint16 royaltyBps);

    /// @notice Called by the registry when a priority claim replaces `workId`'s registration: forgets the royalties
    /// the displaced registration's parents were owed. Only the registry may call.
    function clearDerivative(uint256 workId) external;
}
