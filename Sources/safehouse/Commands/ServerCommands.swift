import ArgumentParser
import Foundation
import SafehouseVault

/// `--server URL`: default `$SAFEHOUSE_SERVER`.
struct ServerOption: ParsableArguments {
    @Option(name: .long, help: "The team server, http(s)://HOST:PORT (default: $SAFEHOUSE_SERVER).")
    var server: String?

    var url: String? {
        if let server { return server }
        if let v = ProcessInfo.processInfo.environment["SAFEHOUSE_SERVER"], !v.isEmpty { return v }
        return nil
    }

    func require() throws -> String {
        guard let url else { throw VaultError.usage("no server given: pass --server URL or set SAFEHOUSE_SERVER") }
        return url
    }

    /// Opens the vault, unlocks the member's key (audited in that vault) and makes the client.
    func session(_ vault: VaultOption, _ id: IdentityOptions) throws -> (Vault, Identity, ServerClient) {
        let v = try vault.open()
        let me = try id.unlock(auditIn: v)
        return (v, me, try ServerClient(server: try require(), identity: me))
    }
}

struct Push: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Send sealed material through the team server (ciphertext only).",
        discussion: """
            From a field vault: records (and every subject identity) as one signed bundle to HQ's mailbox; \
            --all sends every record not sent yet. From HQ: each editor's granted excerpts — and any excerpt \
            re-signed since (revocations) — as a bundle to that editor's mailbox, each after the server witnessed \
            HQ's log at the state the bundle carries (`audit witness`; a rolled-back HQ vault: 77). Interrupted uploads resume. \
            --purge-confirmed then deletes the local ciphertext of records HQ acknowledged with an officer's \
            signature (never on the server's word).
            """)
    @Argument(help: "Record (field) or excerpt (HQ) ids.") var records: [String] = []
    @Flag(help: "Everything not yet delivered.") var all = false
    @Flag(help: "Field vault: delete local ciphertext of records HQ acknowledged.") var purgeConfirmed = false
    @Flag(help: "No progress bar.") var quiet = false
    @OptionGroup var server: ServerOption
    @OptionGroup var vault: VaultOption
    @OptionGroup var id: IdentityOptions

    func run() throws {
        try guarded {
            guard !records.isEmpty || all || purgeConfirmed else { throw VaultError.usage("name record ids, or pass --all (or --purge-confirmed)") }
            guard records.isEmpty || !all else { throw VaultError.usage("give record ids or --all, not both") }
            let (v, me, client) = try server.session(vault, id)
            try Delivery(vault: v, me: me, client: client, quiet: quiet).push(ids: records, all: all, purge: purgeConfirmed)
        }
    }
}

struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Fetch and import what waits in your mailbox on the team server.",
        discussion: """
            Applies a newer officer-signed keyring if the server has one (field and editor vaults), then imports \
            each waiting bundle exactly as `bundle import` does — a server that alters or replays anything is \
            refused like a tampered bundle (65) — and acknowledges what was imported. Prints the ids imported. \
            Field and editor vaults refuse HQ material whose audit log state the server's witness never \
            cosigned (a rolled-back or forked HQ vault): 77, nothing of it imported.
            """)
    @Flag(help: "No progress bar.") var quiet = false
    @OptionGroup var server: ServerOption
    @OptionGroup var vault: VaultOption
    @OptionGroup var id: IdentityOptions

    func run() throws {
        try guarded {
            let (v, me, client) = try server.session(vault, id)
            try Delivery(vault: v, me: me, client: client, quiet: quiet).pull()
        }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "What this vault sent through the team server: pending, sent, acknowledged.",
        discussion: """
            One line per record: ID, state (unsent, pending, sent, acknowledged) and mailbox. With --server \
            (and --identity), HQ's acknowledgements are fetched first and the number of objects waiting in \
            your mailbox is noted on stderr.
            """)
    @OptionGroup var server: ServerOption
    @OptionGroup var vault: VaultOption
    @OptionGroup var id: IdentityOptions
    @Flag(help: "JSON output: a list of {id, state, to}.") var json = false

    func run() throws {
        try guarded {
            let v = try vault.open()
            var rows: [[String: String]]
            if let url = server.url {
                let me = try id.unlock(auditIn: v)
                rows = try Delivery(vault: v, me: me, client: try ServerClient(server: url, identity: me), quiet: true).status(online: true)
            } else {
                rows = try Delivery.localStatus(vault: v, me: nil)
            }
            if json { return try Output.json(rows) }
            for r in rows { Output.print("\(r["id"] ?? "")\t\(r["state"] ?? "")\t\(r["to"] ?? "")") }
        }
    }
}

extension Team {
    struct Publish: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "publish",
            abstract: "Publish this HQ vault's signed keyring to the team server (officers).",
            discussion: "The server checks every request against the newest keyring published; a removed member is refused from then on.")
        @OptionGroup var server: ServerOption
        @OptionGroup var vault: VaultOption
        @OptionGroup var id: IdentityOptions

        func run() throws {
            try guarded {
                let (v, officer, client) = try server.session(vault, id)
                let ring = try v.exportTeam(by: officer)
                _ = try client.send("PUT", "/v1/keyring", body: Array(ring.text.utf8), contentType: "text/plain")
                Output.note("published keyring serial \(ring.serial) to \(client.serverName)")
            }
        }
    }
}
