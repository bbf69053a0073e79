import ArgumentParser
import Foundation
import SafehouseRedaction
import SafehouseVault

struct Subject: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subject",
        abstract: "Subject identities, sealed to identity holders; records refer to them by pseudonym.",
        subcommands: [Import.self, List.self, Show.self, Update.self, Withdraw.self])

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "update",
            abstract: "Replace a subject's identity, keeping the pseudonym (officers).",
            discussion: "SHEET holds exactly one subject in the sheet format. The identity is sealed afresh to the identity holders and the old one deleted. " + subjectSheetHelp)
        @Argument(help: "The pseudonym.") var pseudonym: String
        @Option(help: "A subject sheet with the one corrected subject.") var sheet: String
        @OptionGroup var vault: VaultOption
        @OptionGroup var id: IdentityOptions

        func run() throws {
            try guarded {
                let parsed = try loadSheet(sheet)
                guard parsed.subjects.count == 1, let e = parsed.subjects.first else {
                    throw VaultError.usage("the sheet for `subject update` must hold exactly one subject")
                }
                let v = try vault.open()
                try v.updateSubject(pseudonym: pseudonym, identity: try SubjectIdentity(entry: e), by: try id.unlock(auditIn: v))
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Register the subjects of a sheet; prints one pseudonym per subject, in sheet order (never a name).",
            discussion: subjectSheetHelp)
        @Argument(help: "The subject sheet (JSON; format in Docs/SUBJECT-SHEET.md).") var sheet: String
        @OptionGroup var vault: VaultOption
        @OptionGroup var id: IdentityOptions

        func run() throws {
            try guarded {
                let v = try vault.open()
                let parsed = try loadSheet(sheet)
                let me = try id.unlock(auditIn: v)
                for p in try v.importSubjects(try parsed.subjects.map(SubjectIdentity.init(entry:)), by: me) { Output.print(p) }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List pseudonyms (with category, consent and country for identity holders).")
        @OptionGroup var vault: VaultOption
        @OptionGroup var id: IdentityOptions
        @Flag(help: "JSON output: a list of {pseudonym, category, consent, country} (null where hidden or unset).") var json = false

        func run() throws {
            try guarded {
                let v = try vault.open()
                let me = try id.unlock(auditIn: v)
                let rows = try v.subjects(by: me, reveal: false)
                if json {
                    return try Output.json(rows.map { ["pseudonym": $0.pseudonym, "category": $0.category, "consent": $0.consent, "country": $0.country] })
                }
                for s in rows {
                    Output.print([s.pseudonym, s.category ?? "-", s.consent ?? "-", s.country ?? "-"].joined(separator: "\t"))
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Reveal a subject's identity (identity holders only; audited).")
        @Argument(help: "The pseudonym.") var pseudonym: String
        @OptionGroup var vault: VaultOption
        @OptionGroup var id: IdentityOptions

        func run() throws {
            try guarded {
                let v = try vault.open()
                let me = try id.unlock(auditIn: v)
                for s in try v.subjects(by: me, reveal: true, only: [pseudonym], action: "subject-reveal") {
                    Output.print(String(decoding: s.identity ?? [], as: UTF8.self))
                }
            }
        }
    }

    struct Withdraw: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "withdraw", abstract: "Record that a subject withdrew consent: every export touching them is refused.")
        @Argument(help: "The pseudonym.") var pseudonym: String
        @OptionGroup var vault: VaultOption
        @OptionGroup var id: IdentityOptions

        func run() throws {
            try guarded {
                let v = try vault.open()
                try v.withdrawConsent(pseudonym: pseudonym, by: try id.unlock(auditIn: v))
                Output.note("consent of \(pseudonym) withdrawn: no excerpt touching this subject will be approved or exported")
            }
        }
    }
}

/// The sheet's fields and values, for `--help`.
let subjectSheetHelp = """
    A sheet is JSON: {"subjects": [{"name": …, "aliases": […], "relatives": […], "places": […], "identifiers": […], \
    "consent": …, "category": …, "country": "CN"}]}; only name is required. \
    consent: \(Consent.allCases.map(\.rawValue).joined(separator: " | ")) (default pseudonym). \
    category: \(SubjectCategory.allCases.map(\.rawValue).joined(separator: " | ")) (default other). \
    country: an ISO 3166 alpha-2 code (either case). Full description: Docs/SUBJECT-SHEET.md.
    """

/// Where the sheet format is described, for errors and help.
let subjectSheetHint = "the sheet format and its consent and category values: Docs/SUBJECT-SHEET.md"

/// Reads and validates a subject sheet; errors never quote a name.
func loadSheet(_ path: String) throws -> SubjectSheet {
    guard FileManager.default.fileExists(atPath: path) else { throw VaultError.missing(object: path, hint: "check the subject sheet's path") }
    guard let data = FileManager.default.contents(atPath: path), data.count <= 256 << 20 else {
        throw VaultError.badData(object: path, hint: "the sheet cannot be read or is too large")
    }
    do { return try SubjectSheet.parse(data) } catch let e as RedactionError {
        throw VaultError.malformed(object: path, reason: e.description, hint: subjectSheetHint)
    } catch {
        throw VaultError.malformed(object: path, reason: "not a valid subject sheet", hint: subjectSheetHint)
    }
}
