/// A span of the original text (in Unicode scalars) that one replacement will cover.
struct Region {
    enum Action: Equatable {
        /// One of these subjects' names; `viaTitle` when only `Mr. X`-style patterns matched.
        case subject([Int32], viaTitle: Bool)
        case relative(Int32)
        case place(Int32)
        case identifier(Int32)
        case detector(DetectorKind)
        case dob(year: Int32, korean: Bool)
        /// A pseudonym already in the text: leave it, and let nothing overlapping it through.
        case exclusion

        /// Higher wins when two overlapping regions are equally long.
        var priority: Int {
            switch self {
            case .exclusion: return 9
            case .subject: return 6
            case .relative: return 5
            case .place: return 4
            case .identifier: return 3
            case .detector: return 2
            case .dob: return 1
            }
        }

        /// The report key / leak-check kind.
        var kindName: String {
            switch self {
            case .subject: return "name"
            case .relative: return "relative"
            case .place: return "place"
            case .identifier: return "identifier"
            case .detector(let k): return k.name
            case .dob: return "dob"
            case .exclusion: return "pseudonym"
            }
        }

        /// Whether a Korean particle after the replacement should be made to agree with it.
        var takesParticle: Bool {
            switch self {
            case .subject, .relative, .place: return true
            default: return false
            }
        }
    }

    /// What replaces a region, decided in cue order (placeholder numbers by first appearance).
    enum Replacement {
        case nothing
        case pseudonym(Int32)
        case person
        case relative(Int)
        case place(Int)
        case placeholder(DetectorKind)
        case dob(year: Int32, korean: Bool)

        func text(_ lex: Lexicon) -> String {
            switch self {
            case .nothing: return ""
            case .pseudonym(let s): return lex.subjects[Int(s)].pseudonym
            case .person: return "[PERSON]"
            case .relative(let n): return "[RELATIVE \(n)]"
            case .place(let n): return "[PLACE \(n)]"
            case .placeholder(let k): return k.placeholder
            case .dob(let year, let korean): return korean ? "\(year)년" : "\(year)"
            }
        }
    }

    var start: Int
    var end: Int
    var action: Action
    var replacement: Replacement = .nothing
}
