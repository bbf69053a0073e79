/// The working state of one redaction: buffers, numbering of placeholders, counts.
struct RedactionSession {
    let lex: Lexicon
    private var normalizer = Normalizer()
    private var scanner: Scanner
    private var norm = NormalizedText()
    private var raw: [RawMatch] = []
    private var scalars: [UInt32] = []
    private var relativeNumbers: [Int32: Int] = [:]
    private var placeNumbers: [Int32: Int] = [:]
    private var counts: [String: Int] = [:]

    init(_ lex: Lexicon) {
        self.lex = lex
        scanner = Scanner(lex)
    }

    /// Normalizes and scans one string; regions are in original-scalar offsets of `scalars`.
    private mutating func regions(of text: String) -> [Region] {
        scalars.removeAll(keepingCapacity: true)
        for u in text.unicodeScalars { scalars.append(u.value) }
        normalizer.normalize(scalars, into: &norm)
        raw.removeAll(keepingCapacity: true)
        scanner.scan(norm, into: &raw)
        return RegionBuilder(lex: lex).regions(raw, norm)
    }

    mutating func redact(_ t: Transcript) throws -> RedactionResult {
        // Pass 1: find everything, and which subjects are named unambiguously somewhere.
        var found: [(speaker: [Region], text: [Region])] = []
        found.reserveCapacity(t.cues.count)
        var mentioned = Set<Int32>()
        var speakerCache: [String: [Region]] = [:]
        for cue in t.cues {
            var sp: [Region] = []
            if let s = cue.speaker {
                if let hit = speakerCache[s] { sp = hit } else { sp = regions(of: s); speakerCache[s] = sp }
            }
            let tx = regions(of: cue.text)
            for r in sp + tx {
                if case .subject(let c, let viaTitle) = r.action, c.count == 1, !viaTitle { mentioned.insert(c[0]) }
            }
            found.append((sp, tx))
        }
        // Pass 2: replace, then prove the output clean.
        var out = t
        var touched = 0
        var candidates: [RedactionReport.Candidate] = []
        var seenCandidates = Set<String>()
        var candidateScratch: [Unicode.Scalar] = []
        for (k, cue) in t.cues.enumerated() {
            let (sp, tx) = found[k]
            // A cue in which the full scan found nothing is output unchanged, so a second scan of
            // it would see the same text and find nothing again; only changed cues are re-scanned.
            if sp.isEmpty && tx.isEmpty {
                CandidateFinder.find(in: cue, cue: k + 1, into: &candidates, seen: &seenCandidates, scratch: &candidateScratch)
                continue
            }
            touched += 1
            if let s = cue.speaker, !sp.isEmpty { out.cues[k].speaker = try apply(sp, to: s, mentioned: mentioned) }
            if !tx.isEmpty { out.cues[k].text = try apply(tx, to: cue.text, mentioned: mentioned) }
            try leakCheck(out.cues[k], index: k)
            CandidateFinder.find(in: out.cues[k], cue: k + 1, into: &candidates, seen: &seenCandidates, scratch: &candidateScratch)
        }
        return RedactionResult(transcript: out, report: RedactionReport(counts: counts, candidates: candidates, cuesTouched: touched))
    }

    /// Throws if the cue still matches anything.
    mutating func leakCheck(_ cue: Cue, index k: Int) throws {
        for field in [cue.speaker, cue.text] {
            guard let f = field else { continue }
            if let r = regions(of: f).first {
                throw RedactionError.leakCheckFailed(cue: k + 1, kind: countKey(r.action, ""))
            }
        }
    }

    private mutating func apply(_ regions: [Region], to text: String, mentioned: Set<Int32>) throws -> String {
        let src = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var cursor = 0
        for (idx, r) in regions.enumerated() {
            out.append(contentsOf: src[cursor..<r.start])
            let replacement = try replacement(for: r.action, mentioned: mentioned)
            out.append(contentsOf: replacement.unicodeScalars)
            cursor = r.end
            counts[countKey(r.action, replacement), default: 0] += 1
            guard r.action.takesParticle, cursor < src.count, Hangul.isSyllable(src[cursor].value) else { continue }
            let limit = idx + 1 < regions.count ? regions[idx + 1].start : src.count
            var e = cursor
            while e < limit, e - cursor < 4, Hangul.isSyllable(src[e].value) { e += 1 }
            let suffix = src[cursor..<e].map(\.value)
            let last = src[r.end - 1].value
            let consonant = Hangul.isSyllable(last) && Hangul.hasFinal(last)
            if let (drop, new) = ParticleAgreement.rewrite(suffix[...], nameEndsInConsonant: consonant,
                                                           replacement: ParticleAgreement.final(of: replacement)) {
                out.append(contentsOf: new.compactMap(Unicode.Scalar.init))
                cursor += drop
            }
        }
        out.append(contentsOf: src[cursor...])
        return String(out)
    }

    private func countKey(_ a: Region.Action, _ replacement: String) -> String {
        if case .subject = a { return replacement == "[PERSON]" ? "person" : "name" }
        if case .identifier(let i) = a { return lex.identifiers[Int(i)].kind.name }
        return a.kindName
    }

    private mutating func replacement(for a: Region.Action, mentioned: Set<Int32>) throws -> String {
        switch a {
        case .subject(let cands, let viaTitle):
            var chosen: Int32? = cands.count == 1 ? cands[0] : nil
            if chosen == nil {
                let m = cands.filter(mentioned.contains)
                if m.count == 1 { chosen = m[0] }
            }
            if let c = chosen {
                let info = lex.subjects[Int(c)]
                if info.consent == .withdrawn {
                    if viaTitle { return "[PERSON]" }
                    throw RedactionError.consentWithdrawn(pseudonym: info.pseudonym)
                }
                return info.pseudonym
            }
            if !viaTitle, let w = cands.first(where: { lex.subjects[Int($0)].consent == .withdrawn }) {
                throw RedactionError.consentWithdrawn(pseudonym: lex.subjects[Int(w)].pseudonym)
            }
            return "[PERSON]"
        case .relative(let key):
            let n = relativeNumbers[key] ?? relativeNumbers.count + 1
            relativeNumbers[key] = n
            return "[RELATIVE \(n)]"
        case .place(let key):
            let n = placeNumbers[key] ?? placeNumbers.count + 1
            placeNumbers[key] = n
            return "[PLACE \(n)]"
        case .identifier(let i):
            let info = lex.identifiers[Int(i)]
            let owner = lex.subjects[info.subject]
            if owner.consent == .withdrawn { throw RedactionError.consentWithdrawn(pseudonym: owner.pseudonym) }
            return info.kind.placeholder
        case .detector(let k):
            return k.placeholder
        case .dob(let year, let korean):
            return korean ? "\(year)년" : "\(year)"
        case .exclusion:
            return ""
        }
    }
}
