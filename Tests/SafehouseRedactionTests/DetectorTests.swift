import Foundation
import Testing
@testable import SafehouseRedaction

/// Pattern detectors run without any subject: an empty lexicon must still remove these.
@Suite("Pattern detectors")
struct DetectorTests {
    static func redact(_ s: String) throws -> String { try TestSupport.redact(s, []) }

    @Test("phone numbers", arguments: [
        "010-2345-6789", "010 2345 6789", "010.2345.6789", "01023456789", "+82 10-2345-6789", "+82-10-2345-6789",
        "02-123-4567", "+86 138 0013 8000", "13800138000", "138 0013 8000", "090-8765-4321", "+81 90-8765-4321",
        "(212) 555-0199", "212-555-0199", "+1 212 555 0199", "+44 20 7946 0958", "０１０－２３４５－６７８９", "+82 (0)10 2345 6789",
    ])
    func phones(_ number: String) throws {
        #expect(try Self.redact("번호는 \(number)입니다") == "번호는 [PHONE]입니다")
        #expect(try Self.redact("call \(number) now") == "call [PHONE] now")
    }

    @Test("numbers that are not phones survive", arguments: [
        "1985-03-14", "2024.11.25", "3.14159265", "100,000,000", "5000000원", "1950 1953", "12.50", "the year 2019", "ISBN 978",
    ])
    func notPhones(_ text: String) throws {
        #expect(try Self.redact(text) == text)
    }

    @Test("resident registration numbers, with or without dash")
    func rrn() throws {
        #expect(try Self.redact("주민등록번호는 850314-1234567입니다") == "주민등록번호는 [ID]입니다")
        #expect(try Self.redact("RRN 8503142234567.") == "RRN [ID].")
        #expect(try Self.redact("id 850314 1234567") == "id [ID]")
        #expect(try Self.redact("851399-1234567") == "851399-1234567")  // no 13th month
    }

    @Test("e-mail addresses")
    func email() throws {
        #expect(try Self.redact("메일은 youngho.kim1985@example.com입니다") == "메일은 [EMAIL]입니다")
        #expect(try Self.redact("<a.b+tag@sub.example.co.kr>.") == "<[EMAIL]>.")
        #expect(try Self.redact("not an email: a@b, or @ alone") == "not an email: a@b, or @ alone")
    }

    @Test("passport numbers")
    func passport() throws {
        #expect(try Self.redact("여권 번호는 M12345678였습니다") == "여권 번호는 [PASSPORT]였습니다")
        #expect(try Self.redact("passport PA1234567.") == "passport [PASSPORT].")
        #expect(try Self.redact("model X1234 and ABC12345678") == "model X1234 and ABC12345678")
    }

    @Test("messenger ids: WeChat, KakaoTalk, Telegram")
    func messenger() throws {
        #expect(try Self.redact("위챗은 wxid_hds8841였습니다") == "위챗은 [MESSENGER]였습니다")
        #expect(try Self.redact("카톡 아이디는 kimyh85 입니다") == "카톡 아이디는 [MESSENGER] 입니다")
        #expect(try Self.redact("KakaoTalk ID: sunny.day") == "KakaoTalk ID: [MESSENGER]")
        #expect(try Self.redact("Telegram @ks_ryu_nk please") == "Telegram [MESSENGER] please")
        #expect(try Self.redact("my WeChat is gone") == "my WeChat is gone")
    }

    @Test("coordinates: decimal pairs and DMS")
    func coordinates() throws {
        #expect(try Self.redact("만난 곳은 42.4421, 129.7503 근처") == "만난 곳은 [COORDINATES] 근처")
        #expect(try Self.redact("at N42°26'31\" E129°45'01\" for days") == "at [COORDINATES] for days")
        #expect(try Self.redact("at 42°26′31″N 129°45′01″E.") == "at [COORDINATES].")
        #expect(try Self.redact("-33.8688, 151.2093") == "[COORDINATES]")
        #expect(try Self.redact("prices 3.5, 4.25 and 12") == "prices 3.5, 4.25 and 12")
    }

    @Test("dates of birth are generalized to the year, other dates stay")
    func dateOfBirth() throws {
        #expect(try Self.redact("생년월일은 1979년 4월 12일입니다") == "생년월일은 1979년입니다")
        #expect(try Self.redact("I was born on March 14, 1985 in Hoeryong") == "I was born on 1985 in Hoeryong")
        #expect(try Self.redact("DOB: 1985-03-14.") == "DOB: 1985.")
        #expect(try Self.redact("born 14/03/1985") == "born 1985")
        #expect(try Self.redact("We crossed on 1998-03-14.") == "We crossed on 1998-03-14.")
    }

    @Test("sheet identifiers match digits-only and in other national forms")
    func sheetIdentifiers() throws {
        let e = SubjectEntry(name: "김영호", identifiers: ["010-2345-6789", "+86 138 0013 8000", "CASE-77-ALPHA"])
        let r = try TestSupport.redactor([e])
        #expect(try TestSupport.redact("tel 0 1 0 2 3 4 5 6 7 8 9 ok", with: r) == "tel [PHONE] ok")
        #expect(try TestSupport.redact("tel +82 10 2345 6789 ok", with: r) == "tel [PHONE] ok")
        #expect(try TestSupport.redact("tel 13800138000 ok", with: r) == "tel [PHONE] ok")
        #expect(try TestSupport.redact("file case 77 alpha ok", with: r) == "file [ID] ok")
    }
}
