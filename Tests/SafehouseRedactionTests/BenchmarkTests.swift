import Foundation
import Testing
@testable import SafehouseRedaction

/// Throughput benchmark; runs only with `SAFEHOUSE_BENCH=1`
/// (`SAFEHOUSE_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter Benchmark`).
///
/// Generates a 500-subject sheet and ≥ 50 MB (UTF-8) of mixed Korean–English transcript in chunks
/// of 2,000 cues, redacts chunk by chunk (so memory must stay flat), and prints scalars/second
/// and peak RSS (VmHWM).
@Suite("Benchmark")
struct BenchmarkTests {
    struct SplitMix { var s: UInt64; mutating func next() -> UInt64 { s &+= 0x9E37_79B9_7F4A_7C15; var z = s; z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9; z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB; return z ^ (z >> 31) }
        mutating func pick<T>(_ a: [T]) -> T { a[Int(next() % UInt64(a.count))] } }

    static let surnames = Array("김이박최정강조윤장임한오서신권황안송류홍전고문양손배백허남심노하곽성차주우구민진지엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국").map(String.init)
    static let given = Array("영호철민순희수진광석은정경숙자동일남옥화미지혜선준태용현성훈재우명상길봉춘혁").map(String.init)
    static let towns = ["회령", "무산", "청진", "혜산", "함흥", "온성", "신의주", "강계", "길주", "단천", "원산", "사리원"]

    static func sheet(_ r: inout SplitMix) -> [SubjectEntry] {
        (0..<500).map { k in
            let name = r.pick(surnames) + r.pick(given) + r.pick(given)
            return SubjectEntry(name: name, aliases: k % 7 == 0 ? ["Mr. \(["Kim", "Lee", "Park"][k % 3])"] : [],
                                relatives: [r.pick(surnames) + r.pick(given) + r.pick(given)],
                                places: [r.pick(towns) + (k % 3 == 0 ? "동" : "")],
                                identifiers: [String(format: "010-%04d-%04d", k, 9999 - k)],
                                consent: k % 50 == 49 ? .named : .pseudonym, category: .defector)
        }
    }

    static let korean = ["오늘 인터뷰에 응해 주셔서 감사합니다. 편하게 말씀해 주세요.", "겨울에 두만강을 건넜습니다. 국경 경비가 삼엄했어요.",
                         "아버지는 탄광에서 평생 일하셨어요. 송환은 끝내 안 됐습니다.", "요즘은 김치 한 통 팔기도 어렵다고 해요.",
                         "정부가 이 문제를 더 알아줬으면 좋겠습니다.", "시장에서 장사를 하다가 보위부에 잡혀 갔어요."]
    static let english = ["I was born there and crossed the Tumen River when I was seventeen.", "Has repatriation ever been discussed with the Red Cross?",
                          "My father was one of the prisoners of war who never came home.", "Kim Jong Un's people do not talk about it.",
                          "The brokers now charge five times more than before the pandemic."]

    static func chunk(_ r: inout SplitMix, _ subjects: [SubjectEntry], cues: Int) -> Transcript {
        var out: [Cue] = []
        out.reserveCapacity(cues)
        for k in 0..<cues {
            var text = ""
            for _ in 0..<3 { text += (r.next() % 2 == 0 ? r.pick(korean) : r.pick(english)) + " " }
            switch r.next() % 10 {
            case 0: text += r.pick(subjects).name + "씨가 그렇게 말했어요."
            case 1: text += "Call me at 010-\(1000 + k % 9000)-\(2000 + k % 7000)."
            case 2: text += "I grew up in " + r.pick(towns) + "."
            default: break
            }
            out.append(Cue(start: k * 1000, speaker: k % 2 == 0 ? "INTERVIEWER" : "SUBJECT", text: text))
        }
        return Transcript(cues: out)
    }

    /// CPU time of this thread (robust against other load on a shared machine).
    static func threadCPU() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func peakRSS() -> String {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return "?" }
        return s.split(separator: "\n").first { $0.hasPrefix("VmHWM") }.map { $0.replacingOccurrences(of: "\t", with: " ") } ?? "?"
    }

    @Test("throughput on ≥ 50 MB with 500 subjects", .enabled(if: ProcessInfo.processInfo.environment["SAFEHOUSE_BENCH"] == "1"))
    func throughput() throws {
        var r = SplitMix(s: 42)
        let subjects = Self.sheet(&r)
        let t0 = Date()
        let redactor = try TestSupport.redactor(subjects)
        let buildTime = Date().timeIntervalSince(t0)
        var bytes = 0, scalars = 0, seconds = 0.0, cpu = 0.0, replaced = 0
        var chunks = 0
        while bytes < 50_000_000 {
            let t = Self.chunk(&r, subjects, cues: 2000)
            for c in t.cues { bytes += c.text.utf8.count + (c.speaker?.utf8.count ?? 0); scalars += c.text.unicodeScalars.count + (c.speaker?.unicodeScalars.count ?? 0) }
            let start = Date(), cpuStart = Self.threadCPU()
            let result = try redactor.redact(t)
            seconds += Date().timeIntervalSince(start)
            cpu += Self.threadCPU() - cpuStart
            replaced += result.report.counts.values.reduce(0, +)
            chunks += 1
            if chunks == 1 { print("after first chunk: \(Self.peakRSS())") }
        }
        let rate = Double(scalars) / seconds
        print(String(format: "lexicon build %.2f s; redacted %d bytes (%d scalars) in %.2f s wall: %.2f M scalars/s, %.1f MB/s; CPU %.2f s: %.2f M scalars/s, %.1f MB/s; %d replacements; %@",
                     buildTime, bytes, scalars, seconds, rate / 1e6, Double(bytes) / seconds / 1e6, cpu, Double(scalars) / cpu / 1e6,
                     Double(bytes) / cpu / 1e6, replaced, Self.peakRSS()))
        #expect(replaced > 0)
    }
}
