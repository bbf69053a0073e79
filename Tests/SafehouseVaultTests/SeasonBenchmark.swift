import Foundation
import SafehouseCrypto
import Testing
@testable import SafehouseVault

/// Builds a season of production for `scripts/bench-season.sh` through the
/// vault's real store path: an HQ vault with SAFEHOUSE_SEASON_RECORDS records
/// (mixed kinds and countries; SAFEHOUSE_SEASON_PHOTOS of them 1 MiB photos),
/// SAFEHOUSE_SEASON_SUBJECTS subjects, SAFEHOUSE_SEASON_MEMBERS members and
/// SAFEHOUSE_SEASON_AUDIT audit entries in all; and a field vault with
/// SAFEHOUSE_SEASON_FIELD records for the bundle round trip. The script then
/// times the release `safehouse` binary on them. Disabled unless SAFEHOUSE_BENCH=1.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SAFEHOUSE_BENCH"] == "1"), .serialized)
struct SeasonBenchmark {
    static let countries = ["KR", "KR", "KR", "CN", "CN", "JP", "US", "GB", "TH", "MN"]
    static let categories = ["defector", "defector", "pow", "pow-family", "abductee-family", "expert", "broker", "official"]
    static let surnames = ["Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han", "Oh", "Seo", "Shin", "Kwon", "Hwang", "Ahn", "Song", "Ryu", "Hong"]
    static let hangulSurnames = ["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권", "황", "안", "송", "류", "홍"]
    static let syllables = ["min", "seo", "ji", "hye", "jun", "young", "sung", "eun", "hyun", "soo", "chul", "ho", "na", "ra", "woo", "jin"]
    static let hangulSyllables = ["민", "서", "지", "혜", "준", "영", "성", "은", "현", "수", "철", "호", "나", "라", "우", "진"]

    @Test func buildASeason() throws {
        let env = ProcessInfo.processInfo.environment
        func n(_ k: String, _ d: Int) -> Int { Int(env[k] ?? "") ?? d }
        let records = n("SAFEHOUSE_SEASON_RECORDS", 5_000), photos = n("SAFEHOUSE_SEASON_PHOTOS", 300)
        let subjectCount = n("SAFEHOUSE_SEASON_SUBJECTS", 1_000), memberCount = n("SAFEHOUSE_SEASON_MEMBERS", 40)
        let auditTotal = n("SAFEHOUSE_SEASON_AUDIT", 100_000), fieldRecords = n("SAFEHOUSE_SEASON_FIELD", 1_000)
        let dir = try #require(env["SAFEHOUSE_BENCH_DIR"], "SAFEHOUSE_BENCH_DIR names the folder to build in")
        var rng = FuzzRNG(seed: 2026)
        let start = Date()
        let f = try AuditTrail.Fixture(editor: true, at: dir)
        let hq = try f.hq()
        // Members: the fixture's three, then interviewers and editors up to the count.
        for i in 3..<max(memberCount, 3) {
            let role: Role = i % 3 == 0 ? .editor : .interviewer
            let card = try KeyFile.create(name: "Member \(i)", role: role, path: dir + "/member\(i).key",
                                          passphrase: try AuditTrail.secret(), cost: .interactive)
            try hq.addMember(card: card, by: f.officer)
        }
        // Subjects, imported in sheets of 100 as an officer would.
        var pseudonyms: [String] = []
        var sheet: [SubjectIdentity] = []
        for i in 0..<subjectCount {
            let s = Int.random(in: 0..<Self.surnames.count, using: &rng)
            let a = Int.random(in: 0..<Self.syllables.count, using: &rng), b = Int.random(in: 0..<Self.syllables.count, using: &rng)
            let name = "\(Self.surnames[s]) \(Self.syllables[a].capitalized)-\(Self.syllables[b])"
            let hangul = Self.hangulSurnames[s] + Self.hangulSyllables[a] + Self.hangulSyllables[b]
            let country = Self.countries.randomElement(using: &rng)!, category = Self.categories.randomElement(using: &rng)!
            let json = "{\"name\":\"\(name)\",\"aliases\":[\"\(hangul)\"],\"relatives\":[\"\(Self.surnames[(s + 1) % 20]) Mi-\(Self.syllables[b])\"],\"id\":\"S\(i)\"}"
            sheet.append(SubjectIdentity(json: Array(json.utf8), category: category, consent: "pseudonym", country: country))
            if sheet.count == 100 || i == subjectCount - 1 {
                pseudonyms += try hq.importSubjects(sheet, by: f.officer)
                sheet = []
            }
        }
        // Records: transcripts naming subjects, statements, coverage, legal; some photos.
        let photo = dir + "/photo.jpg"
        FileManager.default.createFile(atPath: photo, contents: Data((0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &rng) }))
        let text = dir + "/record.txt"
        var transcript = ""
        for i in 0..<records {
            let isPhoto = i < photos
            let subject = pseudonyms.isEmpty ? nil : pseudonyms.randomElement(using: &rng)
            let kind: RecordKind = isPhoto ? .coverage : [.interview, .interview, .interview, .statement, .coverage, .legal].randomElement(using: &rng)!
            if !isPhoto {
                let cues = (0..<40).map { c in
                    let who = Self.surnames.randomElement(using: &rng)!
                    return String(format: "[00:%02d:%02d] Q: 그때 %@ 씨는 어디에 있었습니까? A: %@ 선생님과 함께 두만강을 건넜습니다.", c / 60, c % 60, who, who)
                }
                transcript = cues.joined(separator: "\n") + "\n"
                try transcript.write(toFile: text, atomically: false, encoding: .utf8)
            }
            let request = SealRequest(kind: kind, country: Self.countries.randomElement(using: &rng)!, subject: kind == .interview ? subject : nil,
                                      status: kind == .legal ? ["filed", "granted", "refused"].randomElement(using: &rng) : nil,
                                      rating: kind == .interview ? Int.random(in: 1...5, using: &rng) : nil)
            _ = try hq.seal(file: isPhoto ? photo : text, request: request, by: f.interviewer)
        }
        let transcriptID = try hq.list(by: f.officer).first { $0.metadata?.kind == .interview }?.id ?? ""
        // Audit entries up to the total: opens and exports of the records.
        let ids = try hq.list(by: f.officer).map(\.id)
        var have = try hq.auditEntries().count
        while have < auditTotal {
            let k = min(10_000, auditTotal - have)
            try hq.store.write { db in
                for j in 0..<k {
                    try hq.appendAudit(db, actor: f.officer, action: j % 3 == 0 ? "open" : "export",
                                       objects: [ids[(have + j) % ids.count], "format:txt"], outcome: .ok)
                }
            }
            have += k
        }
        // A field laptop with its own records, for the bundle round trip.
        let ring = try hq.exportTeam(by: f.officer)
        let field = try Vault.createField(at: dir + "/field", keyring: TeamKeyring.parse(ring.text, object: "team"), owner: f.interviewer)
        for i in 0..<fieldRecords {
            _ = try field.seal(file: i % 50 == 0 ? photo : text,
                               request: SealRequest(kind: i % 50 == 0 ? .coverage : .interview, country: Self.countries.randomElement(using: &rng)!),
                               by: f.interviewer)
        }
        let out = """
        hq=\(dir)/hq
        field=\(dir)/field
        officer_key=\(dir)/officer.key
        interviewer_key=\(dir)/interviewer.key
        transcript=\(transcriptID)
        audit_entries=\(try hq.auditEntries().count)
        build_s=\(String(format: "%.1f", Date().timeIntervalSince(start)))

        """
        try out.write(toFile: dir + "/season.env", atomically: true, encoding: .utf8)
    }
}
