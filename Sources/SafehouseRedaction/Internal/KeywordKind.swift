/// Words after which a detector looks for what follows (a date, a messenger id).
enum KeywordKind: Int32, Sendable {
    case dob = 1, messenger = 2, wxid = 3

    static let words: [(String, KeywordKind)] = [
        ("생년월일", .dob), ("생일", .dob), ("출생", .dob), ("태어", .dob), ("born", .dob), ("dob", .dob),
        ("d.o.b", .dob), ("date of birth", .dob), ("birth date", .dob), ("birthday", .dob), ("birthdate", .dob),
        ("카톡", .messenger), ("카카오톡", .messenger), ("카카오", .messenger), ("kakaotalk", .messenger),
        ("kakao", .messenger), ("katalk", .messenger), ("위챗", .messenger), ("wechat", .messenger),
        ("weixin", .messenger), ("微信", .messenger), ("텔레그램", .messenger), ("telegram", .messenger),
        ("signal", .messenger), ("line id", .messenger), ("라인 아이디", .messenger), ("whatsapp", .messenger),
        ("wxid_", .wxid),
    ]
}
