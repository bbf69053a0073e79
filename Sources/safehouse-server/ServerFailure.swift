import Hummingbird

/// Every refusal the server answers with, as an HTTP error whose JSON body
/// (`{"error":{"message":…}}`) says what was wrong — never a secret, never object bytes.
enum ServerFailure {
    static func unauthorized(_ why: String) -> HTTPError { HTTPError(.unauthorized, message: why) }
    static func forbidden(_ why: String) -> HTTPError { HTTPError(.forbidden, message: why) }
    static func badRequest(_ why: String) -> HTTPError { HTTPError(.badRequest, message: why) }
    static func notFound(_ why: String) -> HTTPError { HTTPError(.notFound, message: why) }
    static func conflict(_ why: String) -> HTTPError { HTTPError(.conflict, message: why) }
    static func unprocessable(_ why: String) -> HTTPError { HTTPError(.unprocessableContent, message: why) }
    static func unavailable(_ why: String) -> HTTPError { HTTPError(.serviceUnavailable, message: why) }
    static func internalError(_ why: String) -> HTTPError { HTTPError(.internalServerError, message: why) }
}
