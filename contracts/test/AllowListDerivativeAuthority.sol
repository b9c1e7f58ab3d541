// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IDerivativeAuthority} from "../interfaces/IDerivativeAuthority.sol";

/**
 * @title AllowListDerivativeAuthority
 * @notice Stands in for the licensing ledger in the registry's tests: it answers from an explicit list of grants and
 * royalty rates, and logs the registry's calls, so the registry's use of {IDerivativeAuthority} is tested on its own.
 */
contract AllowListDerivativeAuthority is IDerivativeAuthority {
    struct Allowed {
        uint256 grantId;
        uint16 royaltyBps;
    }

    mapping(address registrant => mapping(uint256 parentId => Allowed)) private _grants;

    /// @notice Logged when the registry records a derivative.
    event Authorised(address registrant, uint256 workId, uint256 parentId, uint256 grantId, uint16 royaltyBps);
    /// @notice Logged when the registry clears a work's derivative royalties.
    event Cleared(uint256 workId);

    /// @notice Lets `registrant` derive from `parentId` under `grantId` (zero revokes), owing `royaltyBps`.
    function setGrant(address registrant, uint256 parentId, uint256 grantId, uint16 royaltyBps) external {
        _grants[registrant][parentId] = Allowed(grantId, royaltyBps);
    }

    /// @inheritdoc IDerivativeAuthority
    function derivativeGrantOf(address registrant, uint256 parentId) external view returns (uint256) {
        return _grants[registrant][parentId].grantId;
    }

    /// @inheritdoc IDerivativeAuthority
    function authoriseDerivative(
        address registrant,
        uint256 workId,
        uint256 parentId
    ) external returns (uint256 grantId, uint16 royaltyBps) {
        Allowed memory allowed = _grants[registrant][parentId];
        emit Authorised(registrant, workId, parentId, allowed.grantId, allowed.royaltyBps);
        return (allowed.grantId, allowed.royaltyBps);
    }

    /// @inheritdoc IDerivativeAuthority
    function clearDerivative(uint256 workId) external {
        emit Cleared(workId);
    }
}
