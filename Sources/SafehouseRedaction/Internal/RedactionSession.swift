import Dispatch
import Foundation

/// Hands values to the threads of `DispatchQueue.concurrentPerform`, which touch disjoint parts.
private struct Unchecked<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Per-thread scratch for scanning: normalizer, scanner, buffers and small caches.
struct ScanWorker {
    let lex: Lexicon
    private var normalizer = Normalizer()
    private var scanner: Scanner
    private var norm = NormalizedText()
    private var raw: [RawMatch] = []
    /// The scalars of the string last given to ``regions(of:)`` or ``load(_:)``.
    private(set) var scalars: [UInt32] = []
    /// Speaker labels repeat: their regions, by label (bounded, see ``remember(_:_:)``).
    var speakerRegions: [String: [Region]] = [:]
    /// Redacted speaker labels already proven clean (and reviewed for candidates).
    var cleanSpeakers = Set<String>()
    /// UTF-8 output scratch for ``RedactionSession/apply``.
    var bytes: [UInt8] = []

    init(_ lex: Lexicon) {
        self.lex = lex
        scanner = Scanner(lex)
    }

    mutating func load(_ text: String) {
        scalars.removeAll(keepingCapacity: true)
        for u in text.unicodeScalars { scalars.append(u.value) }
    }

    /// Normalizes and scans one string; regions are in original-scalar offsets of ``scalars``.
    mutating func regions(of text: String) -> [Region] {
        load(text)
        normalizer.normalize(scalars, into: &norm)
        raw.removeAll(keepingCapacity: true)
        scanner.scan(norm, into: &raw)
        return RegionBuilder(lex: lex).regions(raw, norm, original: scalars)
    }

    /// Caches a speaker label's regions; the caches are dropped when they grow large (a
    /// transcript has few speakers; this only bounds memory on odd input).
    mutating func remember(_ speaker: String, _ regions: [Region]) {
        if speakerRegions.count >= 4096 { speakerRegions.removeAll(keepingCapacity: true) }
        speakerRegions[speaker] = regions
    }

    mutating func rememberClean(_ speaker: String) -> Bool {
        if cleanSpeakers.count >= 4096 { cleanSpeakers.removeAll(keepingCapacity: true) }
        return cleanSpeakers.insert(speaker).inserted
    }
}

/// The working state of a redaction that may span several blocks of one transcript: numbering
/// of placeholders, subjects named so far, counts, review candidates, and per-thread scratch.
///
/// Each block goes through four passes:
/// 1. scan every cue (in parallel over contiguous ranges of cues);
/// 2. decide every replacement in cue order (cheap, sequential: placeholder numbers by first
///    appearance, consent, shared names);
/// 3. write the replacements, rescan the changed fields (the fail-closed check) and look for
///    review candidates (in parallel again);
/// 4. merge candidates in cue order and report the first failure, if any.
struct RedactionSession {
    let lex: Lexicon
    private var workers: [ScanWorker]
    private var relativeNumbers: [Int32: Int] = [:]
    private var placeNumbers: [Int32: Int] = [:]
    private var counts: [String: Int] = [:]
    /// Subjects named unambiguously in this or an earlier block.
    private var mentioned = Set<Int32>()
    private var candidates: [RedactionReport.Candidate] = []
    private var seenCandidates = Set<String>()
    private var touched = 0
    /// Cues in earlier blocks (for 1-based cue numbers in errors and candidates).
    private(set) var cuesBefore = 0
    /// The last cue of the previous block, as it came in: a name split at a block boundary is
    /// found across it (see ``joinAcrossCues(_:_:next:)``).
    private var previousCue: Cue?

    /// Blocks with fewer cues than this are done on the calling thread.
    static let parallelThreshold = 256

    init(_ lex: Lexicon, threads: Int? = nil) {
        self.lex = lex
        let n = max(1, min(threads ?? ProcessInfo.processInfo.activeProcessorCount, 8))
        workers = (0..<n).map { _ in ScanWorker(lex) }
    }

    var report: RedactionReport { RedactionReport(counts: counts, candidates: candidates, cuesTouched: touched) }

    /// Per-cue results of pass 1 and 3.
    private struct CueWork {
        var speaker: [Region] = []
        var text: [Region] = []
        var speakerCandidates: [RedactionReport.Candidate] = []
        var textCandidates: [RedactionReport.Candidate] = []
        var changed: Bool { !speaker.isEmpty || !text.isEmpty }
    }

    /// Runs `body(worker, range)` over contiguous ranges of `0..<count`, in parallel when large.
    /// `body` gets the worker, its index and its range.
    private mutating func forRanges(_ count: Int, _ body: (inout ScanWorker, Int, Range<Int>) -> Void) {
        let n = count >= RedactionSession.parallelThreshold ? min(workers.count, count / (RedactionSession.parallelThreshold / 2)) : 1
        if n <= 1 {
            body(&workers[0], 0, 0..<count)
            return
        }
        workers.withUnsafeMutableBufferPointer { wp in
            withoutActuallyEscaping(body) { body in
                // Each iteration touches only its own worker and its own range of cues.
                let shared = Unchecked((wp, body))
                DispatchQueue.concurrentPerform(iterations: n) { w in
                    let (workers, body) = shared.value
                    let lo = count * w / n, hi = count * (w + 1) / n
                    body(&workers[w], w, lo..<hi)
                }
            }
        }
    }

    /// Redacts one block; numbering and the set of named subjects carry over to the next block.
    /// - Parameter next: the first cue of the block that will follow, when there is one: read,
    ///   never redacted or counted here, so that a name split over the boundary is found in
    ///   this block's last cue too (the next block finds it in its first).
    mutating func redact(_ block: Transcript, next: Cue? = nil) throws -> Transcript {
        let cues = block.cues
        let base = cuesBefore
        var work = [CueWork](repeating: CueWork(), count: cues.count)
        var mentionedHere = [Set<Int32>](repeating: [], count: workers.count)

        // Pass 1: find everything, and which subjects are named unambiguously.
        cues.withUnsafeBufferPointer { cp in
            work.withUnsafeMutableBufferPointer { wk in
                mentionedHere.withUnsafeMutableBufferPointer { mp in
                    forRanges(cues.count) { worker, w, range in
                        var named = Set<Int32>()
                        for k in range {
                            let cue = cp[k]
                            if let s = cue.speaker {
                                if let hit = worker.speakerRegions[s] {
                                    wk[k].speaker = hit
                                } else {
                                    let sp = worker.regions(of: s)
                                    worker.remember(s, sp)
                                    wk[k].speaker = sp
                                    if sp.isEmpty {
                                        CandidateFinder.find(in: worker.scalars, cue: base + k + 1, into: &wk[k].speakerCandidates)
                                    }
                                }
                            }
                            let tx = worker.regions(of: cue.text)
                            if tx.isEmpty {
                                CandidateFinder.find(in: worker.scalars, cue: base + k + 1, into: &wk[k].textCandidates)
                            }
                            wk[k].text = tx
                            for r in wk[k].speaker { RedactionSession.noteMention(r, &named) }
                            for r in tx { RedactionSession.noteMention(r, &named) }
                        }
                        mp[w] = named
                    }
                }
            }
        }
        for m in mentionedHere { mentioned.formUnion(m) }
        joinAcrossCues(cues, &work, next: next)

        // Pass 2: decide every replacement in cue order (numbers by first appearance; consent).
        for k in work.indices where work[k].changed {
            touched += 1
            for j in work[k].speaker.indices { work[k].speaker[j].replacement = try resolve(work[k].speaker[j].action) }
            for j in work[k].text.indices { work[k].text[j].replacement = try resolve(work[k].text[j].action) }
        }

        // Pass 3: write the replacements, prove the changed fields clean, find candidates.
        var out = cues
        var failures = [(Int, String)?](repeating: nil, count: workers.count)
        let lexicon = lex
        out.withUnsafeMutableBufferPointer { op in
            work.withUnsafeMutableBufferPointer { wk in
                failures.withUnsafeMutableBufferPointer { fp in
                    forRanges(cues.count) { worker, w, range in
                        var failure: (Int, String)? = nil
                        for k in range where wk[k].changed {
                            if !wk[k].speaker.isEmpty, let s = op[k].speaker {
                                let redacted = RedactionSession.apply(wk[k].speaker, to: s, &worker, lexicon)
                                op[k].speaker = redacted
                                if worker.rememberClean(redacted) {
                                    if let r = worker.regions(of: redacted).first {
                                        if failure == nil { failure = (k, RedactionSession.countKey(r.action, "", lexicon)) }
                                        continue
                                    }
                                    CandidateFinder.find(in: worker.scalars, cue: base + k + 1, into: &wk[k].speakerCandidates)
                                }
                            }
                            if !wk[k].text.isEmpty {
                                let redacted = RedactionSession.apply(wk[k].text, to: op[k].text, &worker, lexicon)
                                op[k].text = redacted
                                if let r = worker.regions(of: redacted).first {
                                    if failure == nil { failure = (k, RedactionSession.countKey(r.action, "", lexicon)) }
                                    continue
                                }
                                CandidateFinder.find(in: worker.scalars, cue: base + k + 1, into: &wk[k].textCandidates)
                            }
                        }
                        fp[w] = failure
                    }
                }
            }
        }
        // A rejected speaker label must not stay in the cache of clean ones.
        if let (k, kind) = failures.compactMap({ $0 }).min(by: { $0.0 < $1.0 }) {
            for w in workers.indices { workers[w].cleanSpeakers.removeAll() }
            throw RedactionError.leakCheckFailed(cue: base + k + 1, kind: kind)
        }

        // Pass 4: candidates in cue order, each distinct text once; a subject who agreed
        // to be named is known, not a candidate.
        for k in work.indices {
            for c in work[k].speakerCandidates + work[k].textCandidates where seenCandidates.insert(c.text).inserted {
                if !lex.isNamedSubject(c.text) { candidates.append(c) }
            }
        }
        cuesBefore += cues.count
        if let last = cues.last { previousCue = last }
        return Transcript(cues: out)
    }

    /// Identities split over two cues: numbers (`… 010-4417-` / `2093이에요.`) and names
    /// (`… I met Gim` / `Yeong-ho in Hoeryong`, `… 김` / `영호는 …`). Where a cue ends in a
    /// letter, digit or hyphen and the next begins with one, the end of the cue is scanned
    /// together with the start of the next (a window of whole words, at most `window` scalars
    /// each side), and the parts of every hit that crosses the boundary are added to both cues.
    /// A name can only run on across a boundary that no punctuation closes, so a cue ending in
    /// `.`, `?`, `!` or the like costs nothing more.
    private mutating func joinAcrossCues(_ cues: [Cue], _ work: inout [CueWork], next: Cue?) {
        guard !cues.isEmpty else { return }
        if let prev = previousCue {
            for (_, head) in junction(prev.text, cues[0].text) { RedactionSession.merge(head, into: &work[0].text) }
        }
        for k in cues.indices.dropLast() {
            for (tail, head) in junction(cues[k].text, cues[k + 1].text) {
                RedactionSession.merge(tail, into: &work[k].text)
                RedactionSession.merge(head, into: &work[k + 1].text)
            }
        }
        if let next {
            let k = cues.count - 1
            for (tail, _) in junction(cues[k].text, next.text) { RedactionSession.merge(tail, into: &work[k].text) }
        }
    }

    /// The hits that cross the boundary between cue texts `first` and `second`: for each, the
    /// region of its part in `first` and of its part in `second` (in each text's own offsets).
    private mutating func junction(_ first: String, _ second: String) -> [(Region, Region)] {
        let window = 40
        func joins(_ u: Unicode.Scalar) -> Bool {
            u.properties.isAlphabetic || (u.value >= 0x30 && u.value <= 0x39) || u == "-"
        }
        func starts(_ u: Unicode.Scalar) -> Bool { joins(u) || u == "+" || u == "(" }
        // Cheap test first: the last non-space of the first text and the first of the second.
        guard let end = first.unicodeScalars.last(where: { $0 != " " && $0 != "\n" }), joins(end),
              let begin = second.unicodeScalars.first(where: { $0 != " " && $0 != "\n" }), starts(begin)
        else { return [] }
        let a = Array(first.unicodeScalars), b = Array(second.unicodeScalars)
        var ae = a.count
        while ae > 0, a[ae - 1] == " " || a[ae - 1] == "\n" { ae -= 1 }
        var bs = 0
        while bs < b.count, b[bs] == " " || b[bs] == "\n" { bs += 1 }
        guard ae > 0, bs < b.count else { return [] }
        // Whole words: back up to a space (never cut a word in half, which could hide a match);
        // text without spaces (Chinese, Japanese) is cut at `window` after all: no word to split.
        var tailStart = max(0, ae - window)
        while tailStart > max(0, ae - 2 * window), a[tailStart - 1] != " ", a[tailStart - 1] != "\n" { tailStart -= 1 }
        if tailStart > 0, a[tailStart - 1] != " ", a[tailStart - 1] != "\n" { tailStart = max(0, ae - window) }
        var headEnd = min(b.count, bs + window)
        while headEnd < min(b.count, bs + 2 * window), b[headEnd] != " ", b[headEnd] != "\n" { headEnd += 1 }
        if headEnd < b.count, b[headEnd] != " ", b[headEnd] != "\n" { headEnd = min(b.count, bs + window) }
        var joined = String.UnicodeScalarView(a[tailStart..<ae])
        joined.append(" ")
        joined.append(contentsOf: b[bs..<headEnd])
        let cut = ae - tailStart
        return workers[0].regions(of: String(joined)).filter { $0.start < cut && $0.end > cut + 1 }.map { r in
            (Region(start: tailStart + r.start, end: ae, action: r.action), Region(start: bs, end: bs + r.end - cut - 1, action: r.action))
        }
    }

    /// Adds `r` to sorted, non-overlapping regions, absorbing the ones it overlaps.
    private static func merge(_ r: Region, into list: inout [Region]) {
        var r = r
        for o in list where o.start < r.end && r.start < o.end {
            r.start = min(r.start, o.start)
            r.end = max(r.end, o.end)
        }
        list.removeAll { $0.start < r.end && r.start < $0.end }
        list.append(r)
        list.sort { $0.start < $1.start }
    }

    private static func noteMention(_ r: Region, _ named: inout Set<Int32>) {
        if case .subject(let c, let viaTitle) = r.action, c.count == 1, !viaTitle { named.insert(c[0]) }
    }

    /// Throws if the cue still matches anything.
    mutating func leakCheck(_ cue: Cue, index k: Int) throws {
        for field in [cue.speaker, cue.text] {
            guard let f = field else { continue }
            if let r = workers[0].regions(of: f).first {
                throw RedactionError.leakCheckFailed(cue: k + 1, kind: RedactionSession.countKey(r.action, "", lex))
            }
        }
    }

    // MARK: replacements

    /// Writes `regions` into `text`, making a Korean particle after a replaced name agree.
    private static func apply(_ regions: [Region], to text: String, _ w: inout ScanWorker, _ lex: Lexicon) -> String {
        w.load(text)
        var out = w.bytes
        w.bytes = []
        out.removeAll(keepingCapacity: true)
        w.scalars.withUnsafeBufferPointer { src in
            var cursor = 0
            for (idx, r) in regions.enumerated() {
                appendUTF8(src, cursor, r.start, &out)
                let replacement = r.replacement.text(lex)
                out.append(contentsOf: replacement.utf8)
                cursor = r.end
                guard r.action.takesParticle, cursor < src.count, Hangul.isSyllable(src[cursor]) else { continue }
                let limit = idx + 1 < regions.count ? regions[idx + 1].start : src.count
                var e = cursor
                while e < limit, e - cursor < 4, Hangul.isSyllable(src[e]) { e += 1 }
                let suffix = Array(src[cursor..<e])
                let last = src[r.end - 1]
                let consonant = Hangul.isSyllable(last) && Hangul.hasFinal(last)
                if let (drop, new) = ParticleAgreement.rewrite(suffix[...], nameEndsInConsonant: consonant,
                                                               replacement: ParticleAgreement.final(of: replacement)) {
                    new.withUnsafeBufferPointer { appendUTF8($0, 0, $0.count, &out) }
                    cursor += drop
                }
            }
            appendUTF8(src, cursor, src.count, &out)
        }
        let s = String(decoding: out, as: UTF8.self)
        w.bytes = out
        return s
    }

    /// Appends scalars `src[from..<to]` as UTF-8.
    @inline(__always)
    private static func appendUTF8(_ src: UnsafeBufferPointer<UInt32>, _ from: Int, _ to: Int, _ out: inout [UInt8]) {
        var k = from
        while k < to {
            let v = src[k]
            if v < 0x80 {
                out.append(UInt8(v))
            } else if v < 0x800 {
                out.append(UInt8(0xC0 | (v >> 6))); out.append(UInt8(0x80 | (v & 0x3F)))
            } else if v < 0x10000 {
                out.append(UInt8(0xE0 | (v >> 12))); out.append(UInt8(0x80 | ((v >> 6) & 0x3F))); out.append(UInt8(0x80 | (v & 0x3F)))
            } else {
                out.append(UInt8(0xF0 | (v >> 18))); out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
                out.append(UInt8(0x80 | ((v >> 6) & 0x3F))); out.append(UInt8(0x80 | (v & 0x3F)))
            }
            k += 1
        }
    }

    static func countKey(_ a: Region.Action, _ replacement: String, _ lex: Lexicon) -> String {
        if case .subject = a { return replacement == "[PERSON]" ? "person" : "name" }
        if case .identifier(let i) = a { return lex.identifiers[Int(i)].kind.name }
        return a.kindName
    }

    /// Decides what replaces a region (placeholder numbers are given here, in cue order) and counts it.
    private mutating func resolve(_ a: Region.Action) throws -> Region.Replacement {
        let r = try decide(a)
        let key: String
        switch (a, r) {
        case (.subject, .person): key = "person"
        case (.subject, _): key = "name"
        case (.identifier(let i), _): key = lex.identifiers[Int(i)].kind.name
        default: key = a.kindName
        }
        counts[key, default: 0] += 1
        return r
    }

    private mutating func decide(_ a: Region.Action) throws -> Region.Replacement {
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
                    if viaTitle { return .person }
                    throw RedactionError.consentWithdrawn(pseudonym: info.pseudonym)
                }
                return .pseudonym(c)
            }
            if !viaTitle, let w = cands.first(where: { lex.subjects[Int($0)].consent == .withdrawn }) {
                throw RedactionError.consentWithdrawn(pseudonym: lex.subjects[Int(w)].pseudonym)
            }
            return .person
        case .relative(let key):
            let n = relativeNumbers[key] ?? relativeNumbers.count + 1
            relativeNumbers[key] = n
            return .relative(n)
        case .place(let key):
            let n = placeNumbers[key] ?? placeNumbers.count + 1
            placeNumbers[key] = n
            return .place(n)
        case .identifier(let i):
            let info = lex.identifiers[Int(i)]
            let owner = lex.subjects[info.subject]
            if owner.consent == .withdrawn { throw RedactionError.consentWithdrawn(pseudonym: owner.pseudonym) }
            return .placeholder(info.kind)
        case .detector(let k):
            return .placeholder(k)
        case .dob(let year, let korean):
            return .dob(year: year, korean: korean)
        case .exclusion:
            return .nothing
        }
    }
}
