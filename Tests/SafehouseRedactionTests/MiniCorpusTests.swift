import Foundation
import Testing
@testable import SafehouseRedaction

/// A second, invented corpus with other names and spellings, scored with the same scorer, so the
/// redactor is checked on the general problem rather than on the dev corpus' names.
@Suite("Invented mini-corpus")
struct MiniCorpusTests {
    static let subjects: [SubjectEntry] = [
        SubjectEntry(name: "류광석", relatives: ["림은정"], places: ["청진", "혜산시"],
                     identifiers: ["+82 10-9876-5432", "ryu.ks@example.org"], consent: .pseudonym, category: .defector, country: "KR"),
        SubjectEntry(name: "남궁민수", relatives: ["선우경희"], places: ["남양"], identifiers: ["PA7654321"],
                     consent: .pseudonym, category: .powFamily),
        SubjectEntry(name: "Robert J. Whitfield", aliases: ["Mr. Whitfield"], identifiers: ["@rjwhit_99"],
                     consent: .pseudonym, category: .broker, country: "US"),
        SubjectEntry(name: "王建国", aliases: ["Wang Jianguo"], identifiers: ["wxid_wjg1970"], consent: .pseudonym, category: .broker),
        SubjectEntry(name: "황보석민", aliases: ["Professor Hwangbo"], consent: .named, category: .expert),
    ]

    static let files: [String: String] = [
        "a-ryu.txt": """
        [00:00:01] INTERVIEWER: 류광석 씨, 고향이 어디세요?
        [00:00:05] 광석: 저는 청진에서 왔어요. 사람들은 유광석이라고도 불러요.
        [00:00:09] 광석: 친구들은 광석이라고 했지요. 광석이는 겁이 없었대요.
        [00:00:14] 광석: My name in the passport is Ryu Kwang-sok, but the Seoul office wrote Yoo Kwang-seok.
        [00:00:20] 광석: The bank card says YU GWANGSEOK and my friends write Kwang-
        sok Ryu.
        [00:00:26] 광석: 아내 림은정은 아직 Chongjin에 있어요. 남한에서는 임은정이라고 쓰겠지요.
        [00:00:31] 광석: Rim Un-jong, my wife, worked in Hyesan. 혜산에서 장사를 했어요.
        [00:00:37] 광석: 전화는 010 9876 5432, 메일은 ryu.ks@example.org 입니다.
        [00:00:44] 광석: 카톡 아이디는 kwangsok88 이고, 텔레그램은 @ks_ryu_nk 예요.
        [00:00:50] 광석: 생년월일은 1979년 4월 12일입니다. 주민번호 7904121234567.
        [00:00:57] INTERVIEWER: 김정은 시대에 두만강 경비가 어땠나요? 이 문제는 중요합니다.
        [00:01:03] 광석: Kim Jong Un's guards were everywhere near the Tumen River.
        """,
        "b-namgung.srt": """
        1
        00:00:01,000 --> 00:00:04,000
        INTERVIEWER: 남궁민수 씨는 어디서 오셨어요?

        2
        00:00:05,000 --> 00:00:09,000
        민수: 남양에서 왔습니다. Namgung Min-su is my name; some write Namkoong Minsoo.

        3
        00:00:10,000 --> 00:00:15,000
        민수: 어머니 선우경희는 포로 가족이에요. Mother is Sŏnu Kyŏng-hŭi, or Sunwoo Kyunghee.

        4
        00:00:16,000 --> 00:00:20,000
        민수: 여권 번호 PA7654321. 경희가 그 번호를 외웠어요.

        5
        00:00:21,000 --> 00:00:25,000
        민수: We crossed at N41°55'12" E128°18'40" near 남양, Namyang.

        6
        00:00:26,000 --> 00:00:30,000
        민수: 김치를 팔았고 Kyungnam University 학생들이 도와줬어요. Red Cross too.
        """,
        "c-broker.vtt": """
        WEBVTT

        00:00:01.000 --> 00:00:05.000
        <v INTERVIEWER>Who arranged the crossing?

        00:00:06.000 --> 00:00:10.000
        <v 민수>Robert J. Whitfield did. Robert Whitfield, a Canadian. Mr. Whitfield never smiled.

        00:00:11.000 --> 00:00:15.000
        <v 민수>Whitfield가 중국 쪽 브로커 王建国를 소개했어요. Wang Jianguo, or Jianguo as we called him.

        00:00:16.000 --> 00:00:20.000
        <v 민수>His WeChat was wxid_wjg1970 and Whitfield's Telegram @rjwhit_99.

        00:00:21.000 --> 00:00:25.000
        <v 민수>Professor Hwangbo at Kyungnam University helped; 황보석민 교수님이 증언했어요.

        00:00:26.000 --> 00:00:30.000
        <v 민수>Call +86 139 1234 5678 or 090-1111-2222 (Japan) or +1 (212) 555-0199.
        """,
    ]

    static let expected = """
    {"cases": [
     {"file": "a-ryu.txt", "must_vanish": ["류광석", "유광석", "광석", "광석이", "Ryu Kwang-sok", "Yoo Kwang-seok", "YU GWANGSEOK",
       "Kwang-sok Ryu", "림은정", "임은정", "Rim Un-jong", "청진", "Chongjin", "Hyesan", "혜산", "010 9876 5432", "ryu.ks@example.org",
       "kwangsok88", "ks_ryu_nk", "7904121234567", "4월 12일"],
      "must_remain": ["김정은", "Kim Jong Un", "두만강", "Tumen River", "이 문제", "1979"]},
     {"file": "b-namgung.srt", "must_vanish": ["남궁민수", "민수", "Namgung Min-su", "Namkoong Minsoo", "선우경희", "Sŏnu Kyŏng-hŭi",
       "Sunwoo Kyunghee", "경희", "PA7654321", "남양", "Namyang", "N41°55'12\\" E128°18'40\\""],
      "must_remain": ["김치", "Kyungnam University", "Red Cross", "포로 가족"]},
     {"file": "c-broker.vtt", "must_vanish": ["Robert J. Whitfield", "Robert Whitfield", "Whitfield", "王建国", "Wang Jianguo", "Jianguo",
       "wxid_wjg1970", "rjwhit_99", "+86 139 1234 5678", "090-1111-2222", "212) 555-0199"],
      "must_remain": ["Professor Hwangbo", "황보석민", "Kyungnam University", "Canadian"]}
    ]}
    """

    @Test("invented corpus with other names: 0 leaks, controls kept")
    func inventedCorpus() throws {
        let dir = CorpusSupport.tempDir("mini")
        let out = CorpusSupport.tempDir("mini-out")
        defer { try? FileManager.default.removeItem(at: dir); try? FileManager.default.removeItem(at: out) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, body) in Self.files { try (body + "\n").write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        try Self.expected.write(to: dir.appendingPathComponent("expected.json"), atomically: true, encoding: .utf8)
        try CorpusSupport.redactAll(corpus: dir, sheet: SubjectSheet(subjects: Self.subjects), out: out)
        try #require(FileManager.default.fileExists(atPath: CorpusSupport.scorer.path), "no scorer at \(CorpusSupport.scorer.path)")
        let (status, report) = try CorpusSupport.score(corpus: dir, out: out)
        print(report)
        if ProcessInfo.processInfo.environment["SAFEHOUSE_KEEP_OUT"] != nil {
            for f in try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() {
                print("== \(f)\n" + (try String(contentsOf: out.appendingPathComponent(f), encoding: .utf8)))
            }
        }
        #expect(status == 0, "scorer: \(report)")
        #expect(report.contains("leaks=0/"))
        #expect(report.contains("kept=11/11") || report.contains("kept=12/12") || report.contains("kept=14/14"), "all controls: \(report)")
    }
}
