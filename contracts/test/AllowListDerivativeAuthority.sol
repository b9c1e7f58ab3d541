// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IDerivativeAuthority} from "../interfaces/IDerivativeAuthority.sol";

/**
 * @title AllowListDerivativeAuthority
 * @notice Stands in for the licensing ledger (issue 3) in the registry's tests: it answers from an explicit list of
 * grants, so the registry's use of {IDerivativeAuthority} can be tested before licences exist.
 */
contract AllowListDerivativeAuthority is IDerivativeAuthority {
    mapping(address registrant => mapping(uint256 parentId => uint256 grantId)) private _grants;

    /// @notice Lets `registrant` derive from `parentId` under `grantId` (zero revokes).
    function setGrant(address registrant, uint256 parentId, uint256 grantId) external {
        _grants[registrant][parentId] = grantId;
    }

    /// @inheritdoc IDerivativeAuthority
    function derivativeGrantOf(address registrant, uint256 parentId) external view returns (uint256) {
        return _grants[registrant][parentId];
    }
}
