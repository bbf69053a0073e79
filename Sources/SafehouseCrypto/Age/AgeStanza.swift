/// One recipient stanza of an age header: `-> TYPE ARG…` and a body.
///
/// Text form: `-> ` and the arguments separated by single spaces (each 1 or
/// more printable ASCII characters, 33–126), LF, then the body in canonical
/// unpadded base64 wrapped at 64 columns, ending with a line shorter than 64
/// columns — empty when the body's length is a multiple of 48 bytes.
public struct AgeStanza: Sendable, Equatable {
    /// The arguments; the first is the stanza type (`X25519`).
    public let arguments: [String]
    /// The decoded body (for X25519: the wrapped file key ‖ tag).
    public let body: [UInt8]

    static let columns = 64

    public init(arguments: [String], body: [UInt8]) {
        precondition(!arguments.isEmpty && arguments.allSatisfy(Self.isValidArgument), "invalid stanza argument")
        self.arguments = arguments
        self.body = body
    }

    /// The stanza type (its first argument).
    public var type: String { arguments[0] }

    static func isValidArgument(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { (33...126).contains($0) }
    }

    /// The stanza's canonical text, ending with LF.
    var encoded: [UInt8] {
        var out = Array("-> \(arguments.joined(separator: " "))\n".utf8)
        let text = AgeBase64.encode(body)
        var i = 0
        repeat {
            let n = min(Self.columns, text.count - i)
            out += text[i..<i + n] + [0x0A]
            i += n
            // A full last line is followed by an empty one: the body ends at a short line.
            if n < Self.columns { break }
        } while true
        return out
    }
}
