import ArgumentParser
import Foundation
import SafehouseVault

extension ExportFormat: ExpressibleByArgument {}

extension BleepMode: ExpressibleByArgument {}
extension VoiceMode: ExpressibleByArgument {}
extension VideoMode: ExpressibleByArgument {}

struct Approve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve a transcript range, a clip of a recording or a photo as a redacted excerpt (officers); prints the excerpt id.",
        discussion: """
            A recording (audio or video) is cut to --range; every span where its linked transcript (`seal T --of RECORD`) \
            names an identity is bleeped, all metadata is stripped, and the voice and picture are changed as asked. \
            A recording without a linked transcript is refused (77) unless --no-transcript-check. A photo (--kind coverage \
            image) is stripped of its metadata, with optional blur boxes. ffmpeg reads and writes through pipes and a \
            loopback endpoint only: no plaintext file is written. Pitch shift is reversible and faces are not detected: \
            see Docs/THREAT-MODEL.md.
            """)
    @Argument(help: "The transcript, recording or photo record id.") var record: String
    @OptionGroup var vault: VaultOption
    @OptionGroup var id: IdentityOptions
    @Option(help: "hh:mm:ss-hh:mm:ss: cues starting in [from, to).") var range: String?
    @Option(name: .customLong("not-a-name"), help: "Record that this flagged text is not a name (repeatable; kept in the vault, signed by you).")
    var notNames: [String] = []
    @Flag(help: "Approve although possible names the lexicon does not know remain; their count is recorded in the excerpt's provenance.")
    var acceptUnknownNames = false
    @Option(help: "Recordings: what replaces each identity span: tone (1 kHz) or silence.") var bleep: BleepMode = .tone
    @Option(help: "Recordings: keep the voice, or shift its pitch (reversible: it does not make a voice unrecognizable).") var voice: VoiceMode = .keep
    @Option(help: "Video and photos: keep, blur or black out the whole picture.") var video: VideoMode = .keep
    @Option(name: .customLong("blur-box"), help: ArgumentHelp("Blur this region (pixels of the source), for the whole clip or for source times @hh:mm:ss-hh:mm:ss; repeatable.", valueName: "X,Y,W,H[@hh:mm:ss-hh:mm:ss]"))
    var blurBoxes: [String] = []
    @Flag(help: "Approve a recording that has no linked transcript: names said in it are NOT checked (recorded in the provenance).")
    var noTranscriptCheck = false

    func run() throws {
        try guarded {
            let r = try range.map(parseRange)
            let media = MediaApproval(bleep: bleep, voice: voice, video: video, boxes: try blurBoxes.map(BlurBox.parse),
                                      noTranscriptCheck: noTranscriptCheck)
            let v = try vault.open()
            let me = try id.unlock(auditIn: v)
            try v.markNotNames(notNames, by: me)
            do {
                Output.print(try v.approve(recordID: record, range: r, by: me, acceptUnknownNames: acceptUnknownNames, media: media))
            } catch let refusal as UnknownNamesRefusal {
                // For the approving officer only: the redacted text around each candidate.
                for c in refusal.candidates { Output.note("cue \(c.cue): \(c.text)  (\(c.reason))") }
                Output.note("rerun with --not-a-name TEXT for each that is not a name, add real people to the subjects (`safehouse subject import`), or pass --accept-unknown-names")
                throw refusal.error
            }
        }
    }
}

/// Parses `hh:mm:ss-hh:mm:ss` into milliseconds.
func parseRange(_ s: String) throws -> (Int, Int) {
    func ms(_ t: Substring) throws -> Int {
        let p = t.split(separator: ":")
        guard p.count == 3, let h = Int(p[0]), let m = Int(p[1]), let sec = Int(p[2]), (0..<60).contains(m), (0..<60).contains(sec), h >= 0 else {
            throw VaultError.usage("--range takes hh:mm:ss-hh:mm:ss (got \(s))")
        }
        return ((h * 60 + m) * 60 + sec) * 1000
    }
    let parts = s.split(separator: "-")
    guard parts.count == 2 else { throw VaultError.usage("--range takes hh:mm:ss-hh:mm:ss (got \(s))") }
    let (a, b) = (try ms(parts[0]), try ms(parts[1]))
    guard a < b else { throw VaultError.usage("--range must end after it starts") }
    return (a, b)
}

struct Grant: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "grant", abstract: "Grant an excerpt to a member (officers): adds a key slot for them.")
    @Argument(help: "The excerpt id.") var excerpt: String
    @Option(help: "The member (name or fingerprint prefix).") var to: String
    @Option(help: "Last day the grant is valid (YYYY-MM-DD).") var expires: String?
    @Flag(help: "Replace the member's existing grant (otherwise a second grant is refused).") var replace = false
    @OptionGroup var vault: VaultOption
    @OptionGroup var id: IdentityOptions

    func run() throws {
        try guarded {
            let v = try vault.open()
            let m = try v.grant(excerptID: excerpt, to: to, expires: expires, replace: replace, by: try id.unlock(auditIn: v))
            Output.note("granted \(excerpt) to \(m.card.name) (\(m.fingerprint)), \(expires.map { "until \($0)" } ?? "without expiry")")
        }
    }
}

struct Revoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a member's access to an excerpt and re-key it.",
        discussion: "The excerpt gets a fresh key; remaining recipients keep access. Nothing can recall what was already decrypted or exported.")
    @Argument(help: "The excerpt id.") var excerpt: String?
    @Option(help: "The member (name or fingerprint prefix).") var from: String?
    @Flag(help: "Revoke every grant whose last day has passed (also done at every grant and approve).") var expired = false
    @Flag(help: "With --expired: JSON output, a list of {excerpt, member}.") var json = false
    @OptionGroup var vault: VaultOption
    @OptionGroup var id: IdentityOptions

    func run() throws {
        try guarded {
            let v = try vault.open()
            if expired {
                guard excerpt == nil, from == nil else { throw VaultError.usage("give EXCERPT --from MEMBER, or --expired alone") }
                let done = try v.revokeExpiredGrants(by: try id.unlock(auditIn: v))
                if json { try Output.json(done.map { ["excerpt": $0.excerpt, "member": $0.member.description] }) }
                else { for d in done { Output.print("\(d.excerpt)\t\(d.member)") } }
                Output.note("revoked \(done.count) expired grant(s)")
                return
            }
            guard !json else { throw VaultError.usage("--json lists what --expired revoked: give it with --expired") }
            guard let excerpt, let from else { throw VaultError.usage("give EXCERPT --from MEMBER, or --expired") }
            try v.revoke(excerptID: excerpt, from: from, by: try id.unlock(auditIn: v))
            Output.note("revoked \(from)'s access to \(excerpt); the excerpt was re-keyed for the remaining recipients")
        }
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export an excerpt you hold a grant for: txt, md, json, srt or vtt; a media excerpt also as mkv, mp4, wav or flac (png or jpg for a photo).",
        discussion: "The container of a media export comes from the extension of --out. A media excerpt's --format srt|vtt|txt|json is its redacted transcript, with times from the clip's start.")
    @Argument(help: "The excerpt id.") var excerpt: String
    @OptionGroup var vault: VaultOption
    @OptionGroup var id: IdentityOptions
    @Option(help: "txt | md | json | srt | vtt (default: from the extension of --out: cut.srt, cut.srt.age …)") var format: ExportFormat?
    @Option(help: ArgumentHelp(OutputTarget.help("Where to write the export"))) var out: String
    @Flag(help: "Officers: use pseudonyms derived for you alone. (An editor's export is always her own marked copy.)") var perRecipient = false
    @Flag(help: "Replace an existing file.") var force = false
    @Option(name: .customLong("age-recipient"), help: "Write a standard age file for this X25519 recipient (age1…; repeatable). `age -d` opens it.")
    var ageRecipient: [String] = []
    @Option(name: .customLong("age-recipients-file"), help: "Age recipients, one per line (# comments), as for `age -R`.")
    var ageRecipientsFile: String?

    func run() throws {
        try guarded {
            if format == nil, !OutputTarget.isStandardOutput(out), ExportFormat.inferred(fromPath: out) == nil, isMediaPath(out) {
                guard ageRecipient.isEmpty, ageRecipientsFile == nil, !perRecipient else {
                    throw VaultError.usage("a media export is a plain file: --age-recipient and --per-recipient apply to transcript exports")
                }
                let v = try vault.open()
                return try v.exportMedia(excerptID: excerpt, to: out, overwrite: force, by: try id.unlock(auditIn: v))
            }
            let format = try exportFormat()
            let age = try ageRecipients()
            let destination = try OutputTarget.destination(out, overwrite: force)
            let v = try vault.open()
            try v.exportExcerpt(excerptID: excerpt, format: format, to: destination, by: try id.unlock(auditIn: v),
                                perRecipient: perRecipient, ageRecipients: age)
        }
    }
}

/// Whether a path names a media container (`export EXCERPT --out clip.mkv|mp4|wav|flac|png|jpg`).
func isMediaPath(_ path: String) -> Bool {
    guard let dot = path.lastIndex(of: ".") else { return false }
    return ["mkv", "mp4", "wav", "flac", "png", "jpg", "jpeg"].contains(path[path.index(after: dot)...].lowercased())
}

extension Export {
    /// --format, else the one the extension of --out names; an explicit --format wins.
    func exportFormat() throws -> ExportFormat {
        if let format { return format }
        if let inferred = ExportFormat.inferred(fromPath: out), !OutputTarget.isStandardOutput(out) { return inferred }
        let formats = ExportFormat.allCases.map(\.rawValue).joined(separator: ", ")
        throw VaultError.usage(OutputTarget.isStandardOutput(out)
            ? "--out - needs --format (one of \(formats))"
            : "cannot tell the format from the name \(out): pass --format (one of \(formats)) or use one of those extensions")
    }
}

struct Trace: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "trace", abstract: "Tell whose per-recipient export a leaked text came from (officers).")
    @Argument(help: "The excerpt id.") var excerpt: String
    @Option(help: "The leaked text.") var file: String
    @Flag(help: "JSON output: a list of {fingerprint, name}.") var json = false
    @OptionGroup var vault: VaultOption
    @OptionGroup var id: IdentityOptions

    func run() throws {
        try guarded {
            let v = try vault.open()
            let text = try readText(file, maxBytes: 64 << 20)
            let hits = try v.traceLeak(excerptID: excerpt, text: text, by: try id.unlock(auditIn: v))
            if hits.isEmpty { Output.note("no per-recipient pseudonym of this excerpt appears in \(file)") }
            if json { return try Output.json(hits.map { ["fingerprint": $0.fingerprint.description, "name": $0.card.name] }) }
            for m in hits { Output.print("\(m.fingerprint)\t\(m.card.name)") }
        }
    }
}
