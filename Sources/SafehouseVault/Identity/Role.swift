/// A member's role. Roles are enforced by which key slots a member receives,
/// not only by checks: an editor never gets a slot for an original or an identity.
public enum Role: String, CaseIterable, Sendable, Codable {
    case interviewer, editor, officer
}
