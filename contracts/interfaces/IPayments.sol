// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IPayments
 * @notice Money handling shared by the licence ledger and the exchange: an allow-list of currencies (the native coin
 * is always allowed), a capped platform fee paid to a treasury, and pull payments. Nothing is ever pushed to an
 * arbitrary address during a purchase: every party is credited, and withdraws with {withdraw}; anyone may push an
 * account's balance to it with {withdrawFor} (for a contract that cannot call).
 */
interface IPayments {
    /// @notice Emitted when the admin allows or disallows an ERC-20 currency. `id` is the compact id stored in offers
    /// and listings; a disallowed currency keeps its id, so balances in it stay withdrawable.
    event CurrencyAllowed(address indexed token, uint8 id, bool allowed, uint64 timestamp);

    /// @notice Emitted when the admin changes the platform fee or its treasury.
    event PlatformFeeChanged(address indexed treasury, uint16 feeBps, uint64 timestamp);

    /// @notice Emitted when what an account is owed in one currency (the zero address is the native coin) is paid to
    /// it; `by` is whoever called (the account itself, or anyone pushing it with {withdrawFor}).
    event Withdrawn(address indexed account, address indexed currency, uint256 amount, address by, uint64 timestamp);

    /// @notice Thrown when a currency is not on the allow-list.
    error CurrencyNotAllowed(address currency);
    /// @notice Thrown when the allow-list is full.
    error TooManyCurrencies(uint256 max);
    /// @notice Thrown when a token address cannot be a currency (the zero address, or an account without code).
    error InvalidCurrency(address token);
    /// @notice Thrown when the platform fee exceeds the cap.
    error FeeTooHigh(uint16 feeBps, uint16 max);
    /// @notice Thrown when a fee is set without a treasury to receive it.
    error InvalidTreasury(address treasury);
    /// @notice Thrown when the native coin sent is not exactly the amount due.
    error WrongPayment(uint256 expected, uint256 sent);
    /// @notice Thrown when the native coin is sent with a payment in an ERC-20 currency.
    error UnexpectedNativePayment(uint256 sent);
    /// @notice Thrown when an ERC-20 transfer delivers less than asked (a fee-on-transfer or rebasing token).
    error TransferShortfall(address token, uint256 expected, uint256 received);
    /// @notice Thrown when an account owed nothing in a currency tries to withdraw.
    error NothingToWithdraw(address account, address currency);
    /// @notice Thrown when sending the native coin to a withdrawing account fails.
    error NativeTransferFailed(address to, uint256 amount);
    /// @notice Thrown when the price a buyer expects differs from the current price.
    error PriceMismatch(uint256 price, uint256 expected);
    /// @notice Thrown when the currency a buyer expects differs from the one asked.
    error CurrencyMismatch(address currency, address expected);
    /// @notice Thrown when `account` must own `workId` and does not.
    error NotWorkOwner(uint256 workId, address account);
    /// @notice Thrown when a work under dispute would be licensed or sold.
    error WorkDisputed(uint256 workId);
    /// @notice Thrown when a pledged work would be licensed without the pledgee's consent, or sold.
    error WorkPledged(uint256 workId, address pledgee);
    /// @notice Thrown when a work id names no registered work.
    error UnknownWork(uint256 workId);
    /// @notice Thrown when an amount does not fit the ledger's storage (above 2^128 - 1).
    error AmountTooLarge(uint256 amount);

    /// @notice Sends the caller everything it is owed in `currency` (the zero address is the native coin).
    function withdraw(address currency) external returns (uint256 amount);

    /// @notice Sends `account` everything it is owed in `currency`. Anyone may call: the money only ever goes to the
    /// account it is owed to, so a contract that cannot call {withdraw} (a vault, a push-style splitter) still gets
    /// paid.
    function withdrawFor(address account, address currency) external returns (uint256 amount);

    /// @notice Allows or disallows an ERC-20 currency. Only the admin may. A disallowed currency is refused for new
    /// offers, listings and bids, and for every purchase, renewal and bid acceptance, whenever the offer, listing or
    /// bid was made; balances and bids in it stay withdrawable. Tokens that charge a fee on transfer are refused at
    /// payment time by a balance check; tokens that return false are handled by SafeERC20.
    function allowCurrency(address token, bool allowed) external;

    /// @notice Sets the platform fee (at most `MAX_FEE_BPS`) and the treasury credited with it. Only the admin may.
    function setPlatformFee(address treasury, uint16 feeBps) external;

    /// @notice What `account` can withdraw in `currency`.
    function owed(address account, address currency) external view returns (uint256);

    /// @notice Whether `currency` can be used for offers, listings, bids and payments.
    function isCurrencyAllowed(address currency) external view returns (bool);

    /// @notice The token of a currency id as stored in offers (zero address for id 0, the native coin).
    function currencyOf(uint8 id) external view returns (address);

    /// @notice The treasury and the fee rate in basis points.
    function platformFee() external view returns (address treasury, uint16 feeBps);
}
