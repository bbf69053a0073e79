/// The role a subject plays in the material.
public enum SubjectCategory: String, Codable, Sendable, CaseIterable, Equatable {
    case defector
    case pow
    case powFamily = "pow-family"
    case abducteeFamily = "abductee-family"
    case expert
    case broker
    case official
    case other
}
