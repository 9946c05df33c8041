// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

/**
 * @title AtivoRegistry
 * @notice One ERC-721 token per certified asset (dataset or model), identified by its
 * content root. Buyers request access by escrowing the asset's price; the token's owner
 * approves (the escrow is credited to the asset's payees) or denies (the escrow is credited
 * back to the requester). A requester whose request is left unanswered can cancel it after
 * `accessTimeout()` seconds and get the escrow back.
 *
 * A request pins the license terms: the buyer names the terms hash it read, and the request
 * is refused (`TermsChanged`) if the owner changed the terms in the meantime, even at the same
 * price. The request records that hash; it is what an approval grants access under.
 *
 * Money flow (pull payments only):
 *   requestAccess      msg.value           -> escrow (totalEscrowed)
 *   approve            escrow              -> payees' withdrawable balances
 *   deny / cancel      escrow              -> requester's withdrawable balance
 *   withdraw(To)       withdrawable        -> an address, in one call
 * so `address(this).balance == totalEscrowed + totalWithdrawable` at all times (unless
 * someone force-feeds ether with SELFDESTRUCT or as a block reward; the contract has no
 * receive/fallback function, so ordinary transfers are rejected). No ether is ever pushed
 * to a third party, so a payee or requester that cannot receive ether blocks only its own
 * withdrawal, and `withdrawTo` lets it send its balance elsewhere.
 *
 * The split (payees, bps) is fixed at registration and survives token transfers: the current
 * owner decides who gets access, the registered contributors get paid.
 *
 * Listing: an asset is for sale from its registration; its owner may take it off sale
 * (`setForSale(tokenId, false)`), after which `requestAccess` reverts `NotForSale`. Requests
 * already pending can still be approved, denied or cancelled.
 *
 * Access period: set at registration (seconds, 0 = perpetual) and pinned by each request like the
 * terms; an approval records `expiresAt = approvedAt + period` (0 = never). Expiry is a statement
 * of the terms that clients honour (no new downloads through Ativo): it cannot take back files or
 * keys a buyer already holds.
 *
 * Governance (issue 17):
 * - Approvers: the token owner may name approvers (`setApprover`), wallets that may `approve` or
 *   `deny` that token's requests exactly as the owner does (same split credited). `Decided`
 *   records who decided. Approvers are tied to the owner who named them: a token transfer
 *   clears them (the new owner names its own).
 * - Consent rule: `consentBps` per token, 0 = the owner alone (the default, the behaviour every
 *   token had before). The owner may only tighten it (`setConsentRule`), never loosen it, so a
 *   contributor who has seen a rule can rely on it; it is a setter rather than a new `register`
 *   argument so that `register`'s signature and every existing client stay as they were.
 * - With a rule, `updateTerms` is refused (`ConsentRequired`); terms, price, access period and
 *   split change through `changeTerms`, which needs EIP-712 signatures (type `TermsChange`, over
 *   the exact new terms, the token's consent nonce and a deadline) of payees whose shares sum to
 *   at least the rule. The caller, if it is a payee, consents by sending the transaction. Each
 *   accepted change bumps the nonce, so a signature works once; after its deadline it is refused.
 * - Under the owner-alone rule `changeTerms` needs no signature but cannot change the split:
 *   the split stays fixed at registration, as before.
 * - `registerVersion` registers a new token naming its previous one (owned by the caller); if its
 *   split differs from the previous one's, it needs the previous token's consent the same way
 *   (signed over the new content root). The new version inherits the consent rule.
 *   (Nothing can stop an owner registering other content with plain `register`; what this
 *   guarantees is that a token presented as a new version carries its contributors' consent.)
 */
contract AtivoRegistry is ERC721, EIP712, ReentrancyGuardTransient {
    /// Shares are in basis points: they must add up to exactly 10000 (100%).
    uint16 public constant TOTAL_BPS = 10_000;
    /// Upper bound on payees so `approve` stays well within a block's gas.
    uint256 public constant MAX_PAYEES = 64;
    /// Upper bounds on string fields (bytes), so readers are never handed unbounded data.
    uint256 public constant MAX_ID_LENGTH = 256;
    uint256 public constant MAX_RECIPIENT_LENGTH = 4096;
    uint256 public constant MAX_REASON_LENGTH = 1024;
    uint256 public constant MAX_MESSAGE_LENGTH = 1024;
    /// Bounds on the constructor's access timeout.
    uint64 public constant MIN_ACCESS_TIMEOUT = 1 minutes;
    uint64 public constant MAX_ACCESS_TIMEOUT = 365 days;
    /// Upper bound on an asset's access period (0 = perpetual).
    uint64 public constant MAX_ACCESS_PERIOD = 100 * 365 days;
    /// EIP-712 type payees sign to consent to new terms (for a new version, `tokenId` is the
    /// previous token and `contentRoot` the new version's root; otherwise the token's own root).
    bytes32 public constant TERMS_CHANGE_TYPEHASH = keccak256(
        "TermsChange(uint256 tokenId,bytes32 contentRoot,bytes32 termsHash,uint256 price,uint64 accessPeriod,address[] payees,uint16[] bps,uint256 nonce,uint256 deadline)"
    );

    enum RequestStatus {
        None,
        Pending,
        Approved,
        Denied,
        Cancelled
    }

    struct Asset {
        bytes32 contentRoot;
        bytes32 termsHash;
        uint256 price;
        string manifestId;
        address[] payees;
        uint16[] bps;
        /// Seconds an approval lasts (0 = perpetual).
        uint64 accessPeriod;
        /// Inverted so that the zero value (a new registration) is for sale.
        bool notForSale;
        /// Shares (bps) of payees that must consent to a change; 0 = the owner alone.
        uint16 consentBps;
        /// Consent signatures must name this; bumped by each consented change.
        uint256 consentNonce;
        /// The token this one is a new version of (0 = none).
        uint256 previousTokenId;
    }

    /// New terms for a token, as payees sign them.
    struct NewTerms {
        bytes32 termsHash;
        uint256 price;
        uint64 accessPeriod;
        address[] payees;
        uint16[] bps;
    }

    /// Payees' consent: `signatures[i]` is `signers[i]`'s EIP-712 signature (or ERC-1271 for a
    /// contract wallet) over the `TermsChange` with this nonce and deadline.
    struct Consent {
        uint256 nonce;
        uint256 deadline;
        address[] signers;
        bytes[] signatures;
    }

    struct AccessRequest {
        uint256 tokenId;
        uint256 amount;
        address requester;
        uint64 createdAt;
        RequestStatus status;
        string recipient;
        string grantId;
        bytes32 termsHash;
        /// The asset's access period when the request was made (pinned like the terms).
        uint64 accessPeriod;
        /// Set on approval: approvedAt + accessPeriod, or 0 when perpetual.
        uint64 expiresAt;
    }

    /// What `assetOf` returns.
    struct AssetInfo {
        address owner;
        bytes32 contentRoot;
        string manifestId;
        bytes32 termsHash;
        uint256 price;
        address[] payees;
        uint16[] bps;
        bool forSale;
        uint64 accessPeriod;
    }

    /// What `requestOf` returns. `cancellableAt` is when the requester may cancel; `termsHash`
    /// is the asset's terms the request was made (and is answered) under.
    struct RequestInfo {
        uint256 tokenId;
        address requester;
        string recipient;
        uint256 amount;
        RequestStatus status;
        uint64 createdAt;
        uint64 cancellableAt;
        string grantId;
        bytes32 termsHash;
        uint64 accessPeriod;
        /// 0 while not approved, or when the access is perpetual.
        uint64 expiresAt;
    }

    // ---------------------------------------------------------------- events

    event Registered(
        uint256 indexed tokenId,
        address indexed owner,
        bytes32 indexed contentRoot,
        string manifestId,
        bytes32 termsHash,
        uint256 price
    );
    event TermsUpdated(uint256 indexed tokenId, bytes32 termsHash, uint256 price);
    /// An asset was put on sale (`forSale`) or taken off sale.
    event SaleChanged(uint256 indexed tokenId, bool forSale);
    event AccessRequested(
        uint256 indexed requestId,
        uint256 indexed tokenId,
        address indexed requester,
        string recipient,
        uint256 amount,
        string message
    );
    event AccessGranted(uint256 indexed requestId, uint256 indexed tokenId, string grantId, uint256 amount);
    event AccessDenied(uint256 indexed requestId, uint256 indexed tokenId, string reason);
    event AccessCancelled(uint256 indexed requestId, uint256 indexed tokenId, address indexed requester);
    /// One per payee when a request is approved: `amount` became withdrawable by `payee`.
    event Credited(address indexed payee, uint256 indexed tokenId, uint256 indexed requestId, uint256 amount);
    /// When a request is denied or cancelled: its escrow became withdrawable by the requester.
    event Refunded(address indexed requester, uint256 indexed requestId, uint256 amount);
    event Withdrawn(address indexed account, address indexed to, uint256 amount);
    /// The owner named (`allowed`) or removed an approver for a token.
    event ApproverSet(uint256 indexed tokenId, address indexed account, bool allowed);
    /// Who answered a request (the owner or an approver), next to AccessGranted / AccessDenied.
    event Decided(uint256 indexed requestId, uint256 indexed tokenId, address indexed decider, bool approved);
    event ConsentRuleSet(uint256 indexed tokenId, uint16 consentBps);
    /// A `changeTerms` was accepted (TermsUpdated is emitted too); `consenting` are the payees counted.
    event TermsConsented(uint256 indexed tokenId, uint256 nonce, uint64 accessPeriod, address[] payees, uint16[] bps, address[] consenting);
    /// `tokenId` was registered as a new version of `previousTokenId` (Registered is emitted too).
    event VersionRegistered(uint256 indexed tokenId, uint256 indexed previousTokenId, address[] consenting);

    // ---------------------------------------------------------------- errors

    error InvalidTimeout(uint256 seconds_);
    error ZeroContentRoot();
    error EmptyManifestId();
    error FieldTooLong(string field, uint256 length, uint256 max);
    error AlreadyRegistered(uint256 tokenId);
    error EmptySplit();
    error SplitLengthMismatch(uint256 payees, uint256 bps);
    error TooManyPayees(uint256 count, uint256 max);
    error ZeroPayee(uint256 index);
    error ZeroShare(uint256 index);
    error DuplicatePayee(address payee);
    error BadSplit(uint256 totalBps);
    error WrongPrice(uint256 expected, uint256 sent);
    error TermsChanged(bytes32 expected, bytes32 current);
    error NotForSale(uint256 tokenId);
    error InvalidAccessPeriod(uint256 seconds_);
    error EmptyRecipient();
    error NotTokenOwner(uint256 tokenId, address caller);
    error UnknownRequest(uint256 requestId);
    error RequestNotPending(uint256 requestId, RequestStatus status);
    error NotRequester(uint256 requestId, address caller);
    error TooEarly(uint256 availableAt);
    error NothingToWithdraw();
    error ZeroAddress();
    error TransferFailed(address to, uint256 amount);
    error ConsentRequired(uint256 tokenId);
    error SplitFixed(uint256 tokenId);
    error InvalidConsentRule(uint256 current, uint256 proposed);
    error ConsentExpired(uint256 deadline);
    error StaleConsentNonce(uint256 tokenId, uint256 expected, uint256 given);
    error SignersMismatch(uint256 signers, uint256 signatures);
    error NotAPayee(uint256 tokenId, address account);
    error DuplicateSigner(address signer);
    error BadConsentSignature(address signer);
    error NotEnoughConsent(uint256 tokenId, uint256 consentedBps, uint256 requiredBps);

    // ---------------------------------------------------------------- state

    /// Seconds after a request is made before its requester may cancel it.
    uint64 public immutable accessTimeout;

    /// Ether held for pending requests.
    uint256 public totalEscrowed;
    /// Ether credited to accounts and not yet withdrawn.
    uint256 public totalWithdrawable;

    uint256 private _tokenCount;
    uint256 private _requestCount;
    mapping(uint256 tokenId => Asset) private _assets;
    mapping(bytes32 contentRoot => uint256 tokenId) private _tokenByRoot;
    mapping(uint256 requestId => AccessRequest) private _requests;
    mapping(address account => uint256 amount) private _withdrawable;
    /// Approvers by token and owner epoch (the epoch moves on each transfer, clearing them).
    mapping(uint256 tokenId => mapping(uint256 epoch => mapping(address account => bool))) private _approvers;
    mapping(uint256 tokenId => uint256 epoch) private _ownerEpoch;

    constructor(uint64 accessTimeout_) ERC721("Ativo Asset", "ATIVO") EIP712("AtivoRegistry", "1") {
        if (accessTimeout_ < MIN_ACCESS_TIMEOUT || accessTimeout_ > MAX_ACCESS_TIMEOUT) {
            revert InvalidTimeout(accessTimeout_);
        }
        accessTimeout = accessTimeout_;
    }

    // ---------------------------------------------------------------- assets

    /**
     * @notice Registers an asset and mints its token to the caller. Token ids start at 1.
     * @param payees who is paid when access is granted; `bps[i]` is `payees[i]`'s share in
     * basis points. Shares must be non-zero and add up to exactly 10000; payees distinct.
     * @param accessPeriod seconds each approval lasts (0 = perpetual, at most MAX_ACCESS_PERIOD).
     */
    function register(
        bytes32 contentRoot,
        string calldata manifestId,
        bytes32 termsHash,
        uint256 price,
        address[] calldata payees,
        uint16[] calldata bps,
        uint64 accessPeriod
    ) external nonReentrant returns (uint256 tokenId) {
        _checkNewAsset(contentRoot, manifestId);
        _checkSplit(payees, bps);
        if (accessPeriod > MAX_ACCESS_PERIOD) revert InvalidAccessPeriod(accessPeriod);

        tokenId = _mintAsset(contentRoot, manifestId, termsHash, price, accessPeriod);
        Asset storage a = _assets[tokenId];
        a.payees = payees;
        a.bps = bps;
    }

    /**
     * @notice Registers `contentRoot` as a new version of `previousTokenId` (caller must own it).
     * If the split differs from the previous token's and that token has a consent rule, `consent`
     * must carry signatures of its payees over `TermsChange(previousTokenId, contentRoot, terms, ...)`
     * (otherwise `consent` is ignored). The new token inherits the consent rule.
     */
    function registerVersion(
        uint256 previousTokenId,
        bytes32 contentRoot,
        string calldata manifestId,
        NewTerms calldata terms,
        Consent calldata consent
    ) external nonReentrant returns (uint256 tokenId) {
        _onlyTokenOwner(previousTokenId);
        _checkNewAsset(contentRoot, manifestId);
        _checkSplit(terms.payees, terms.bps);
        if (terms.accessPeriod > MAX_ACCESS_PERIOD) revert InvalidAccessPeriod(terms.accessPeriod);
        Asset storage prev = _assets[previousTokenId];
        address[] memory consenting;
        if (prev.consentBps != 0 && !_sameSplit(prev, terms.payees, terms.bps)) {
            consenting = _checkConsent(previousTokenId, contentRoot, terms, consent);
        }

        tokenId = _mintAsset(contentRoot, manifestId, terms.termsHash, terms.price, terms.accessPeriod);
        Asset storage a = _assets[tokenId];
        a.payees = terms.payees;
        a.bps = terms.bps;
        a.consentBps = prev.consentBps;
        a.previousTokenId = previousTokenId;
        emit VersionRegistered(tokenId, previousTokenId, consenting);
    }

    /**
     * @notice Changes an asset's terms and price. Pending requests keep the amount they escrowed
     * and the terms they were made under; requests naming the old terms are refused from now on.
     */
    function updateTerms(uint256 tokenId, bytes32 termsHash, uint256 price) external nonReentrant {
        _onlyTokenOwner(tokenId);
        Asset storage a = _assets[tokenId];
        if (a.consentBps != 0) revert ConsentRequired(tokenId);
        a.termsHash = termsHash;
        a.price = price;
        emit TermsUpdated(tokenId, termsHash, price);
    }

    /**
     * @notice Changes an asset's terms, price, access period and split with its payees' consent
     * (token owner only): payees holding at least `consentBps` must have signed exactly these
     * terms with the token's current consent nonce, before `consent.deadline`. Under the
     * owner-alone rule no signature is needed, but the split cannot change (`SplitFixed`).
     * Pending requests keep their escrow, terms and access period; approvals from now on credit
     * the new split.
     */
    function changeTerms(uint256 tokenId, NewTerms calldata terms, Consent calldata consent) external nonReentrant {
        _onlyTokenOwner(tokenId);
        _checkSplit(terms.payees, terms.bps);
        if (terms.accessPeriod > MAX_ACCESS_PERIOD) revert InvalidAccessPeriod(terms.accessPeriod);
        Asset storage a = _assets[tokenId];
        bool splitChanges = !_sameSplit(a, terms.payees, terms.bps);
        if (splitChanges && a.consentBps == 0) revert SplitFixed(tokenId);
        uint256 nonce = consent.nonce;
        address[] memory consenting = _checkConsent(tokenId, a.contentRoot, terms, consent);

        a.termsHash = terms.termsHash;
        a.price = terms.price;
        a.accessPeriod = terms.accessPeriod;
        if (splitChanges) {
            a.payees = terms.payees;
            a.bps = terms.bps;
        }
        emit TermsUpdated(tokenId, terms.termsHash, terms.price);
        emit TermsConsented(tokenId, nonce, terms.accessPeriod, terms.payees, terms.bps, consenting);
    }

    /**
     * @notice Sets the share of payees (bps, 1..10000) that must consent to changes (token owner
     * only). It can only be raised: a contributor who has seen a rule can rely on it.
     */
    function setConsentRule(uint256 tokenId, uint16 consentBps) external nonReentrant {
        _onlyTokenOwner(tokenId);
        Asset storage a = _assets[tokenId];
        uint16 current = a.consentBps;
        if (consentBps == 0 || consentBps > TOTAL_BPS || consentBps < current) revert InvalidConsentRule(current, consentBps);
        a.consentBps = consentBps;
        emit ConsentRuleSet(tokenId, consentBps);
    }

    /// @notice Names (`allowed`) or removes an approver, who may approve or deny this token's requests.
    function setApprover(uint256 tokenId, address account, bool allowed) external nonReentrant {
        _onlyTokenOwner(tokenId);
        if (account == address(0)) revert ZeroAddress();
        _approvers[tokenId][_ownerEpoch[tokenId]][account] = allowed;
        emit ApproverSet(tokenId, account, allowed);
    }

    /// @notice Whether `account` may approve or deny `tokenId`'s requests as an approver (the owner always may).
    function isApprover(uint256 tokenId, address account) external view returns (bool) {
        return _approvers[tokenId][_ownerEpoch[tokenId]][account];
    }

    /// @notice A token's consent rule (bps, 0 = owner alone), the nonce a consent must name, and the token it is a version of.
    function governanceOf(uint256 tokenId)
        external
        view
        returns (uint16 consentBps, uint256 consentNonce, uint256 previousTokenId)
    {
        _requireOwned(tokenId);
        Asset storage a = _assets[tokenId];
        return (a.consentBps, a.consentNonce, a.previousTokenId);
    }

    /// @notice The EIP-712 digest a payee signs to consent to `terms` (for clients to check their encoding).
    function termsChangeDigest(uint256 tokenId, bytes32 contentRoot, NewTerms calldata terms, uint256 nonce, uint256 deadline)
        external
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(_termsChangeHash(tokenId, contentRoot, terms, nonce, deadline));
    }

    /**
     * @notice Puts an asset on sale or takes it off (token owner only). While off sale
     * `requestAccess` reverts `NotForSale`; pending requests can still be answered or cancelled.
     */
    function setForSale(uint256 tokenId, bool forSale) external nonReentrant {
        _onlyTokenOwner(tokenId);
        _assets[tokenId].notForSale = !forSale;
        emit SaleChanged(tokenId, forSale);
    }

    /// @notice An asset's registration and current owner. Reverts if the token does not exist.
    function assetOf(uint256 tokenId) external view returns (AssetInfo memory info) {
        address owner = _requireOwned(tokenId);
        Asset storage a = _assets[tokenId];
        info = AssetInfo({
            owner: owner,
            contentRoot: a.contentRoot,
            manifestId: a.manifestId,
            termsHash: a.termsHash,
            price: a.price,
            payees: a.payees,
            bps: a.bps,
            forSale: !a.notForSale,
            accessPeriod: a.accessPeriod
        });
    }

    /// @notice The token registered for a content root, or 0 if there is none.
    function tokenOfContentRoot(bytes32 contentRoot) external view returns (uint256) {
        return _tokenByRoot[contentRoot];
    }

    /// @notice How many assets were registered (token ids are 1..tokenCount()).
    function tokenCount() external view returns (uint256) {
        return _tokenCount;
    }

    // ---------------------------------------------------------------- access requests

    /**
     * @notice Requests access to an asset under the terms the requester read, escrowing exactly
     * the asset's current price.
     * @param recipient the requester's age recipient (X25519 public key, "age1..."), to which
     * the owner encrypts the grant.
     * @param message a note to the owner (why, who); only in the event, at most 1024 bytes.
     * @param expectedTermsHash the terms hash the requester read and accepts; the request
     * reverts with TermsChanged unless it is the asset's current one (so an `updateTerms` mined
     * first, even at the same price, cannot bind the requester to terms it never saw).
     */
    function requestAccess(uint256 tokenId, string calldata recipient, string calldata message, bytes32 expectedTermsHash)
        external
        payable
        nonReentrant
        returns (uint256 requestId)
    {
        _requireOwned(tokenId);
        Asset storage a = _assets[tokenId];
        if (a.notForSale) revert NotForSale(tokenId);
        bytes32 termsHash = a.termsHash;
        if (expectedTermsHash != termsHash) revert TermsChanged(expectedTermsHash, termsHash);
        uint256 price = a.price;
        if (msg.value != price) revert WrongPrice(price, msg.value);
        if (bytes(recipient).length == 0) revert EmptyRecipient();
        _checkLength("recipient", bytes(recipient).length, MAX_RECIPIENT_LENGTH);
        _checkLength("message", bytes(message).length, MAX_MESSAGE_LENGTH);

        requestId = ++_requestCount;
        AccessRequest storage r = _requests[requestId];
        r.tokenId = tokenId;
        r.amount = msg.value;
        r.requester = msg.sender;
        r.createdAt = uint64(block.timestamp);
        r.status = RequestStatus.Pending;
        r.recipient = recipient;
        r.termsHash = termsHash;
        r.accessPeriod = a.accessPeriod;
        totalEscrowed += msg.value;

        emit AccessRequested(requestId, tokenId, msg.sender, recipient, msg.value, message);
    }

    /**
     * @notice Grants a pending request (token owner or one of its approvers). The escrow is credited to the
     * asset's payees by their shares; the rounding remainder goes to the first payee.
     * Access is granted under the terms the request was made under (`requestOf(id).termsHash`),
     * whatever the asset's terms are now: the requester paid for those, and a later
     * `updateTerms` does not change what it agreed to. (An owner who will not grant under them
     * denies, which refunds the requester.)
     * @param grantId where the encrypted grant was stored (may be empty for public assets).
     */
    function approve(uint256 requestId, string calldata grantId) external nonReentrant {
        AccessRequest storage r = _existingRequest(requestId);
        uint256 tokenId = r.tokenId;
        _onlyDecider(tokenId);
        _onlyPending(r, requestId);
        _checkLength("grantId", bytes(grantId).length, MAX_ID_LENGTH);

        uint256 amount = r.amount;
        r.status = RequestStatus.Approved;
        r.grantId = grantId;
        uint64 period = r.accessPeriod;
        if (period != 0) r.expiresAt = uint64(block.timestamp) + period;
        totalEscrowed -= amount;
        totalWithdrawable += amount;
        emit AccessGranted(requestId, tokenId, grantId, amount);
        emit Decided(requestId, tokenId, msg.sender, true);

        // Credited in split order; the first payee's share absorbs the rounding remainder.
        Asset storage a = _assets[tokenId];
        uint256 n = a.payees.length;
        uint256 first = amount;
        for (uint256 i = 1; i < n; ++i) {
            first -= _share(amount, a.bps[i]);
        }
        _credit(a.payees[0], tokenId, requestId, first);
        for (uint256 i = 1; i < n; ++i) {
            _credit(a.payees[i], tokenId, requestId, _share(amount, a.bps[i]));
        }
    }

    /// @notice Denies a pending request (token owner or one of its approvers); its escrow is credited back to the requester.
    function deny(uint256 requestId, string calldata reason) external nonReentrant {
        AccessRequest storage r = _existingRequest(requestId);
        uint256 tokenId = r.tokenId;
        _onlyDecider(tokenId);
        _onlyPending(r, requestId);
        _checkLength("reason", bytes(reason).length, MAX_REASON_LENGTH);

        r.status = RequestStatus.Denied;
        emit AccessDenied(requestId, tokenId, reason);
        emit Decided(requestId, tokenId, msg.sender, false);
        _refund(r, requestId);
    }

    /**
     * @notice Cancels one's own pending request once `accessTimeout()` seconds have passed
     * since it was made; its escrow is credited back to the requester.
     */
    function cancel(uint256 requestId) external nonReentrant {
        AccessRequest storage r = _existingRequest(requestId);
        if (r.requester != msg.sender) revert NotRequester(requestId, msg.sender);
        _onlyPending(r, requestId);
        uint256 availableAt = uint256(r.createdAt) + accessTimeout;
        if (block.timestamp < availableAt) revert TooEarly(availableAt);

        r.status = RequestStatus.Cancelled;
        emit AccessCancelled(requestId, r.tokenId, msg.sender);
        _refund(r, requestId);
    }

    /// @notice A request. Reverts with UnknownRequest if it does not exist.
    function requestOf(uint256 requestId) external view returns (RequestInfo memory info) {
        AccessRequest storage r = _existingRequest(requestId);
        info = RequestInfo({
            tokenId: r.tokenId,
            requester: r.requester,
            recipient: r.recipient,
            amount: r.amount,
            status: r.status,
            createdAt: r.createdAt,
            cancellableAt: r.createdAt + accessTimeout,
            grantId: r.grantId,
            termsHash: r.termsHash,
            accessPeriod: r.accessPeriod,
            expiresAt: r.expiresAt
        });
    }

    /// @notice How many access requests were made (request ids are 1..requestCount()).
    function requestCount() external view returns (uint256) {
        return _requestCount;
    }

    // ---------------------------------------------------------------- payouts

    /// @notice Ether credited to `account` (payouts and refunds) and not yet withdrawn.
    function withdrawable(address account) external view returns (uint256) {
        return _withdrawable[account];
    }

    /// @notice Sends the caller's whole withdrawable balance to the caller.
    function withdraw() external nonReentrant {
        _withdraw(payable(msg.sender));
    }

    /// @notice Sends the caller's whole withdrawable balance to `to` (for accounts that cannot receive ether).
    function withdrawTo(address payable to) external nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        _withdraw(to);
    }

    // ---------------------------------------------------------------- internals

    /// Clears a token's approvers when it changes hands (they were the previous owner's choice).
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = super._update(to, tokenId, auth);
        if (from != address(0) && from != to) ++_ownerEpoch[tokenId];
    }

    function _checkNewAsset(bytes32 contentRoot, string calldata manifestId) private view {
        if (contentRoot == bytes32(0)) revert ZeroContentRoot();
        uint256 existing = _tokenByRoot[contentRoot];
        if (existing != 0) revert AlreadyRegistered(existing);
        if (bytes(manifestId).length == 0) revert EmptyManifestId();
        _checkLength("manifestId", bytes(manifestId).length, MAX_ID_LENGTH);
    }

    /// Records a new asset (the caller sets its split) and mints its token to the caller.
    function _mintAsset(bytes32 contentRoot, string calldata manifestId, bytes32 termsHash, uint256 price, uint64 accessPeriod)
        private
        returns (uint256 tokenId)
    {
        tokenId = ++_tokenCount;
        _tokenByRoot[contentRoot] = tokenId;
        Asset storage a = _assets[tokenId];
        a.contentRoot = contentRoot;
        a.termsHash = termsHash;
        a.price = price;
        a.manifestId = manifestId;
        a.accessPeriod = accessPeriod;
        // _mint, not _safeMint: no callback into the caller while registering.
        _mint(msg.sender, tokenId);
        emit Registered(tokenId, msg.sender, contentRoot, manifestId, termsHash, price);
    }

    function _termsChangeHash(uint256 tokenId, bytes32 contentRoot, NewTerms calldata t, uint256 nonce, uint256 deadline)
        private
        pure
        returns (bytes32)
    {
        // EIP-712 encodes an array as the hash of its 32-byte-padded elements, which is what
        // abi.encodePacked does for arrays.
        // abi.encode in two halves (concatenated, the same bytes as one call) to keep the stack shallow.
        return keccak256(
            bytes.concat(
                abi.encode(TERMS_CHANGE_TYPEHASH, tokenId, contentRoot, t.termsHash, t.price, t.accessPeriod),
                abi.encode(keccak256(abi.encodePacked(t.payees)), keccak256(abi.encodePacked(t.bps)), nonce, deadline)
            )
        );
    }

    /**
     * Checks `c` against token `tokenId`'s consent rule for `t` and bumps its nonce. Counts each
     * signer's share once (signers must be current payees, with valid signatures), plus the
     * caller's share if it is a payee. Returns who was counted.
     */
    function _checkConsent(uint256 tokenId, bytes32 contentRoot, NewTerms calldata t, Consent calldata c)
        private
        returns (address[] memory consenting)
    {
        Asset storage a = _assets[tokenId];
        if (block.timestamp > c.deadline) revert ConsentExpired(c.deadline);
        uint256 nonce = a.consentNonce;
        if (c.nonce != nonce) revert StaleConsentNonce(tokenId, nonce, c.nonce);
        uint256 n = c.signers.length;
        if (c.signatures.length != n) revert SignersMismatch(n, c.signatures.length);
        bytes32 digest = _hashTypedDataV4(_termsChangeHash(tokenId, contentRoot, t, nonce, c.deadline));

        consenting = new address[](n + 1);
        uint256 counted; // bit i set = payee i counted (at most MAX_PAYEES = 64 payees)
        uint256 total;
        uint256 k;
        for (uint256 i = 0; i < n; ++i) {
            address signer = c.signers[i];
            (bool found, uint256 idx) = _payeeIndex(a, signer);
            if (!found) revert NotAPayee(tokenId, signer);
            if (counted & (1 << idx) != 0) revert DuplicateSigner(signer);
            if (!SignatureChecker.isValidSignatureNow(signer, digest, c.signatures[i])) revert BadConsentSignature(signer);
            counted |= 1 << idx;
            total += a.bps[idx];
            consenting[k++] = signer;
        }
        // The caller's own transaction is its consent.
        (bool callerIsPayee, uint256 callerIdx) = _payeeIndex(a, msg.sender);
        if (callerIsPayee && counted & (1 << callerIdx) == 0) {
            total += a.bps[callerIdx];
            consenting[k++] = msg.sender;
        }
        if (total < a.consentBps) revert NotEnoughConsent(tokenId, total, a.consentBps);
        a.consentNonce = nonce + 1;
        assembly ("memory-safe") {
            mstore(consenting, k)
        }
    }

    function _payeeIndex(Asset storage a, address account) private view returns (bool found, uint256 idx) {
        uint256 n = a.payees.length;
        for (uint256 i = 0; i < n; ++i) {
            if (a.payees[i] == account) return (true, i);
        }
        return (false, 0);
    }

    function _sameSplit(Asset storage a, address[] calldata payees, uint16[] calldata bps) private view returns (bool) {
        uint256 n = a.payees.length;
        if (payees.length != n || bps.length != n) return false;
        for (uint256 i = 0; i < n; ++i) {
            if (a.payees[i] != payees[i] || a.bps[i] != bps[i]) return false;
        }
        return true;
    }

    function _onlyDecider(uint256 tokenId) private view {
        address owner = _requireOwned(tokenId);
        if (owner != msg.sender && !_approvers[tokenId][_ownerEpoch[tokenId]][msg.sender]) {
            revert NotTokenOwner(tokenId, msg.sender);
        }
    }

    function _withdraw(address payable to) private {
        uint256 amount = _withdrawable[msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        _withdrawable[msg.sender] = 0;
        totalWithdrawable -= amount;
        emit Withdrawn(msg.sender, to, amount);
        // Interaction last; all of this call's effects are already recorded.
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }

    function _share(uint256 amount, uint16 bps) private pure returns (uint256) {
        return (amount * bps) / TOTAL_BPS;
    }

    function _credit(address payee, uint256 tokenId, uint256 requestId, uint256 amount) private {
        _withdrawable[payee] += amount;
        emit Credited(payee, tokenId, requestId, amount);
    }

    function _refund(AccessRequest storage r, uint256 requestId) private {
        uint256 amount = r.amount;
        address requester = r.requester;
        totalEscrowed -= amount;
        totalWithdrawable += amount;
        _withdrawable[requester] += amount;
        emit Refunded(requester, requestId, amount);
    }

    function _existingRequest(uint256 requestId) private view returns (AccessRequest storage r) {
        r = _requests[requestId];
        if (r.status == RequestStatus.None) revert UnknownRequest(requestId);
    }

    function _onlyPending(AccessRequest storage r, uint256 requestId) private view {
        if (r.status != RequestStatus.Pending) revert RequestNotPending(requestId, r.status);
    }

    function _onlyTokenOwner(uint256 tokenId) private view {
        if (_requireOwned(tokenId) != msg.sender) revert NotTokenOwner(tokenId, msg.sender);
    }

    function _checkLength(string memory field, uint256 length, uint256 max) private pure {
        if (length > max) revert FieldTooLong(field, length, max);
    }

    function _checkSplit(address[] calldata payees, uint16[] calldata bps) private pure {
        uint256 n = payees.length;
        if (n == 0) revert EmptySplit();
        if (bps.length != n) revert SplitLengthMismatch(n, bps.length);
        if (n > MAX_PAYEES) revert TooManyPayees(n, MAX_PAYEES);
        uint256 total;
        for (uint256 i = 0; i < n; ++i) {
            address p = payees[i];
            if (p == address(0)) revert ZeroPayee(i);
            if (bps[i] == 0) revert ZeroShare(i);
            for (uint256 j = 0; j < i; ++j) {
                if (payees[j] == p) revert DuplicatePayee(p);
            }
            total += bps[i];
        }
        if (total != TOTAL_BPS) revert BadSplit(total);
    }
}
