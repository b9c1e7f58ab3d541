// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IPayments} from "./interfaces/IPayments.sol";
import {IProvenanceRegistry} from "./interfaces/IProvenanceRegistry.sol";
import {TitleWord} from "./libraries/TitleWord.sol";

/**
 * @title Payments
 * @notice The money base of the licence ledger and the exchange; see {IPayments}.
 * @dev Currencies are stored as a one-byte id (0 is the native coin) so that a price, its currency and the state
 * around them fit one storage word. Every incoming payment is collected after the state changes it pays for
 * (checks-effects-interactions), and every state-changing entry point that moves value is `nonReentrant`.
 */
abstract contract Payments is IPayments, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Highest platform fee (10%).
    uint16 public constant MAX_FEE_BPS = 1_000;
    /// @notice Highest number of ERC-20 currencies ever allowed.
    uint256 public constant MAX_CURRENCIES = 255;

    uint16 internal constant _BPS = 10_000;
    uint8 internal constant _NATIVE = 0;

    /// @notice The provenance registry whose works are licensed and sold here.
    // solhint-disable-next-line immutable-vars-naming
    IProvenanceRegistry public immutable registry;

    struct Currency {
        uint8 id;
        bool allowed;
    }

    /// @dev A currency by id, with the same allowed flag as {Currency}: what a sale reads from its offer's id.
    struct Token {
        address token;
        bool allowed;
    }

    /// @dev One word, read by every sale: native-coin fees accrue here (a warm update instead of a write to the
    /// treasury's balance, which costs a fresh slot each time the treasury has withdrawn everything).
    struct Fee {
        address treasury;
        uint16 feeBps;
        uint80 nativeAccrued;
    }

    mapping(address token => Currency) private _currencies;
    mapping(uint8 id => Token) private _tokens;
    uint8 private _currencyCount;
    Fee private _fee;
    mapping(address account => mapping(uint8 currencyId => uint256 amount)) internal _owed;

    constructor(IProvenanceRegistry registry_, address admin) {
        registry = registry_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IPayments
    function withdraw(address currency) external nonReentrant returns (uint256) {
        return _withdraw(msg.sender, currency);
    }

    /// @inheritdoc IPayments
    function withdrawFor(address account, address currency) external nonReentrant returns (uint256) {
        return _withdraw(account, currency);
    }

    /// @inheritdoc IPayments
    function allowCurrency(address token, bool allowed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (token == address(0) || token.code.length == 0) revert InvalidCurrency(token);
        Currency storage currency = _currencies[token];
        uint8 id = currency.id;
        if (id == _NATIVE) {
            if (_currencyCount == MAX_CURRENCIES) revert TooManyCurrencies(MAX_CURRENCIES);
            id = ++_currencyCount;
            currency.id = id;
        }
        currency.allowed = allowed;
        _tokens[id] = Token(token, allowed);
        emit CurrencyAllowed(token, id, allowed, uint64(block.timestamp));
    }

    /// @inheritdoc IPayments
    function setPlatformFee(address treasury, uint16 feeBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (feeBps > MAX_FEE_BPS) revert FeeTooHigh(feeBps, MAX_FEE_BPS);
        if (treasury == address(0) && feeBps != 0) revert InvalidTreasury(treasury);
        _flushFees(_fee.treasury);
        _fee = Fee(treasury, feeBps, 0);
        emit PlatformFeeChanged(treasury, feeBps, uint64(block.timestamp));
    }

    /// @inheritdoc IPayments
    function owed(address account, address currency) external view returns (uint256) {
        if (currency == address(0)) {
            Fee memory fee = _fee;
            return _owed[account][_NATIVE] + (account == fee.treasury ? fee.nativeAccrued : 0);
        }
        uint8 id = _currencies[currency].id;
        return id == _NATIVE ? 0 : _owed[account][id];
    }

    /// @inheritdoc IPayments
    function isCurrencyAllowed(address currency) external view returns (bool) {
        return currency == address(0) || _currencies[currency].allowed;
    }

    /// @inheritdoc IPayments
    function currencyOf(uint8 id) external view returns (address) {
        return _tokenOf(id);
    }

    /// @inheritdoc IPayments
    function platformFee() external view returns (address treasury, uint16 feeBps) {
        Fee memory fee = _fee;
        return (fee.treasury, fee.feeBps);
    }

    // ------------------------------------------------------------------------------------------------------------
    // For the ledger and the exchange
    // ------------------------------------------------------------------------------------------------------------

    /// @dev The id of an allowed currency, for a new offer, listing or bid.
    function _allowedCurrencyId(address currency) internal view returns (uint8) {
        if (currency == address(0)) return _NATIVE;
        Currency memory c = _currencies[currency];
        if (!c.allowed) revert CurrencyNotAllowed(currency);
        return c.id;
    }

    /// @dev The id a token was given when first allowed, whether or not it is allowed now (zero if never).
    function _currencyIdOf(address token) internal view returns (uint8) {
        return _currencies[token].id;
    }

    /// @dev The token of a currency id (zero for the native coin).
    function _tokenOf(uint8 id) internal view returns (address) {
        return id == _NATIVE ? address(0) : _tokens[id].token;
    }

    /// @dev Refuses a payment in a currency that is no longer allowed (the native coin always is).
    function _requireAllowed(uint8 id) internal view {
        if (id == _NATIVE) return;
        Token memory t = _tokens[id];
        if (!t.allowed) revert CurrencyNotAllowed(t.token);
    }

    /// @dev Credits the platform fee on `amount` to the treasury and returns it.
    function _takeFee(uint8 id, uint256 amount) internal returns (uint256 fee) {
        Fee memory config = _fee;
        if (config.feeBps == 0 || amount == 0) return 0;
        fee = (amount * config.feeBps) / _BPS;
        if (id == _NATIVE && uint256(config.nativeAccrued) + fee <= type(uint80).max) {
            _fee.nativeAccrued = uint80(config.nativeAccrued + fee);
        } else {
            _owed[config.treasury][id] += fee;
        }
    }

    /// @dev Moves native fees accrued in the fee word to the treasury's balance (on withdrawal and on a change of
    /// treasury).
    function _flushFees(address treasury) private {
        Fee storage fee = _fee;
        uint80 accrued = fee.nativeAccrued;
        if (accrued == 0 || fee.treasury != treasury) return;
        fee.nativeAccrued = 0;
        _owed[treasury][_NATIVE] += accrued;
    }

    function _credit(address account, uint8 id, uint256 amount) internal {
        _owed[account][id] += amount;
    }

    /// @dev Takes `amount` of currency `id` from the caller: exactly `msg.value` for the native coin, or an ERC-20
    /// transfer whose arrival is checked against the contract's balance. Call it after the state changes it pays for.
    function _collect(uint8 id, uint256 amount) internal {
        if (id == _NATIVE) {
            if (msg.value != amount) revert WrongPayment(amount, msg.value);
            return;
        }
        if (msg.value != 0) revert UnexpectedNativePayment(msg.value);
        if (amount == 0) return;
        IERC20 token = IERC20(_tokens[id].token);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != amount) revert TransferShortfall(address(token), amount, received);
    }

    /// @dev Sends `amount` of currency `id` to `to`. Only ever called for money owed to `to` (withdrawals and withdrawn
    /// bids), after the state has been updated.
    function _send(uint8 id, address to, uint256 amount) internal {
        if (id == _NATIVE) {
            (bool ok, ) = to.call{value: amount}("");
            if (!ok) revert NativeTransferFailed(to, amount);
        } else {
            IERC20(_tokens[id].token).safeTransfer(to, amount);
        }
    }

    /// @dev The registry's status of a work; reverts with {UnknownWork} if it is not registered.
    function _titleOf(uint256 workId) internal view returns (TitleWord title) {
        title = registry.titleWordOf(workId);
        if (title.owner() == address(0)) revert UnknownWork(workId);
    }

    /// @dev Reverts unless the caller holds `workId`; returns its status.
    function _requireWorkOwner(uint256 workId) internal view returns (TitleWord title) {
        title = _titleOf(workId);
        if (title.owner() != msg.sender) revert NotWorkOwner(workId, msg.sender);
    }

    /// @dev Pays `account` everything it is owed in `currency`, whoever asks (see {withdrawFor}).
    function _withdraw(address account, address currency) private returns (uint256 amount) {
        uint8 id = currency == address(0) ? _NATIVE : _currencies[currency].id;
        if (currency != address(0) && id == _NATIVE) revert InvalidCurrency(currency);
        if (id == _NATIVE) _flushFees(account);
        amount = _owed[account][id];
        if (amount == 0) revert NothingToWithdraw(account, currency);
        _owed[account][id] = 0;
        emit Withdrawn(account, currency, amount, msg.sender, uint64(block.timestamp));
        _send(id, account, amount);
    }
}
