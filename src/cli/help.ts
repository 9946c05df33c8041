/**
 * `ativo --help`. Kept apart from the commands so printing it loads none of them (nor their
 * dependencies): main.ts imports only this, the options and the dispatch table up front.
 */
import { VERSION } from '../api/version';

/** Help text kept here, not in the command modules, so --help loads none of them. */
const NETWORK_HELP = `  network deploy-registry [--network testnet|mainnet] [--yes]
                                                   deploy an AtivoRegistry on that network (default:
                                                   testnet) from the wallet in use, after showing the
                                                   fee; its address is saved in the profile. --yes
                                                   confirms without asking`;

const DISCOVER_HELP = `  discover [--query Q] [--kind K] [--license L] [--free] [--max-price ETH] [--sort newest|price|approved]
                                                   every asset registered on this network (any owner):
                                                   name, license, price, token, owner; yours marked *
  discover show <token> [--citation FILE]          an asset's public page: license in plain words,
                                                   price, split, versions, its public record
                                                   (--citation: write its CITATION.cff to FILE)`;

const APPROVERS_HELP = `  approvers list <id>                              who may approve or deny an asset's requests
  approvers add <id> <address>                     name a wallet as an approver (owner only): it
                                                   answers requests as you would, the payment goes
                                                   to the split; your Ativo delivers the buyer's key
  approvers remove <id> <address>                  remove an approver`;

export const HELP = `ativo ${VERSION}: datasets and models as certified, licensed assets

Usage: ativo <command> [options]

Commands:
  add <folder> [--kind dataset|model] [--name N]   catalog a folder (re-adding rescans it)
  list [--query Q] [--kind K]                      list the catalog
  show <id>                                        an asset's details
  manifest <id>                                    the manifest text (sha256sum format)
  rescan <id>                                      rescan an asset's folder
  remove <id>                                      remove from the catalog (files untouched)
  network show                                     network profiles and the current one
  network use <sandbox|testnet|mainnet>            switch networks
  network set <name> [--rpc URL] [--chain-id N] [--registry 0x…] [--storage URL]
${NETWORK_HELP}
  wallet list                                      wallets in the OS keychain (* = the one in use)
  wallet create [--label L]                        a new wallet
  wallet import [--mnemonic] [--path P] [--label L]  import a private key (or a recovery phrase)
                                                   read from stdin or a hidden prompt, never argv
  wallet export <address> [--out FILE]             write an encrypted JSON keystore to a new file
                                                   (default: the data dir's exports folder; password
                                                   from ATIVO_WALLET_PASSWORD, stdin or a prompt)
  wallet use <address> | wallet remove <address>
  wallet balance [address]                         balance on the current network
  network status                                   the chain in use (starts the sandbox if needed)
  sandbox fund [address] [--ether N]               test ETH from the sandbox's dev account
  upload <id> [--wait]                             upload an asset's files to the network's storage
                                                   (--wait: run the uploads here and wait for them)
  uploads <id>                                     what is stored for an asset
  storage status | quote <bytes> | fund --ether N  storage balance, price, funding
  publish <id|folder> [--private | --public] [--license L | --terms TEXT] [--price ETH] [--split 0xA:60,0xB:40]
          [--access-days N] [--description TEXT] [--consent owner|all|N%] [--wait]
                                                   rescan, upload, register on chain, certify (durable
                                                   job); a changed folder becomes the next version
                                                   (only changed files are uploaded), with the terms
                                                   of the version before unless an option changes
                                                   them (--public: make a private asset public;
                                                   --access-days N: each approval lasts N days, 0 =
                                                   perpetual; files already downloaded stay;
                                                   --consent: who must agree to later changes of
                                                   terms: the owner alone, every payee, or payees
                                                   holding N% of the split)
  terms <id> [--price ETH] [--license L | --terms TEXT] [--wait]
                                                   change the price and/or license of the published
                                                   version on chain (its certificate is re-issued;
                                                   requests at the old terms are refused). The split
                                                   changes only with a new version (ativo publish)
  terms <id> [--price ETH] [--license L | --terms TEXT] [--access-days N]
          [--split 0xA:70,0xB:30] --propose        propose new terms (price, license, access period,
                                                   split) to the asset's payees (needed when its
                                                   consent rule is not the owner alone)
  consent <id> --rule owner|all|N%                 who must agree to changes of terms: the owner
                                                   alone, every payee, or payees holding N% of the
                                                   split (it can only be made stricter)
  proposals [list]                                 open proposals of assets you are a payee or owner of
  proposals sign|decline <proposal>                answer one (its first digits are enough)
  proposals submit <proposal> [--wait]             the owner submits a change enough payees signed
  sale <id> on|off [--wait]                        put the published version on sale, or take it off
                                                   (pending requests can still be answered)
  certificate <id> [--html page.html]              the signed ativo-certificate.json (latest version); --html also writes a printable page
  verify <ativo-certificate.json|id> [--folder F | --from-storage] [--registry 0x…]
                                                   check signature, registration, receipts, files:
                                                   against F, else the local asset's folder, else
                                                   (or with --from-storage) the files downloaded
                                                   from storage (decrypted when the key is here).
                                                   Only a known network's registry is trusted, or
                                                   the one given with --registry
  access request <certificate.json|tokenId --terms-hash H> [--message M]
                                                   request access under the license terms you read
                                                   (the certificate's, or the terms hash H; refused,
                                                   and nothing paid, if the owner changed them), paying
                                                   the price from the current wallet
  access status <requestId>                        a request's state
  access cancel <requestId>                        take back the payment of a request left unanswered past its time limit
  access fetch <requestId> --out <dir>             download, decrypt and verify what a grant opens
  audit                                            the log of approvals and denials (--json)
${APPROVERS_HELP}
  catalog check                                    check the catalog file's integrity
  catalog rebuild [--folder F]…                    set a damaged catalog aside and build a new one
                                                   from your folders (and find their certificates on chain)
  earnings [--json | --csv]                        what the current wallet earned, per asset and payout
  earnings reconcile                               re-read from block 0 and compare with the cache
  earnings withdraw [--wait]                       withdraw the balance (durable job)
${DISCOVER_HELP}
  serve [--port P]                                 the browser shell on 127.0.0.1
  start                                            the desktop app (or the browser shell)

Options:
  --data-dir DIR   where the catalog lives (env ATIVO_DATA_DIR; default: the OS app-data dir)
  --json           machine-readable output
  -h, --help       this help
  -v, --version    the version`;
