import Hummingbird
import Logging
import PostgresNIO

/// Turns what is not already an HTTP answer into one: a database that cannot be
/// reached is a temporary failure (503, the CLI's 75); anything else is a 500
/// whose details stay in the log (never object bytes: no error carries them).
struct FailureMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as HTTPResponseError {
            throw e
        } catch let e as PSQLError {
            logger.warning("database unavailable", metadata: ["code": "\(e.code)"])
            throw ServerFailure.unavailable("the database is unavailable; try again later")
        } catch {
            logger.error("internal error", metadata: ["type": "\(type(of: error))"])
            throw ServerFailure.internalError("internal error")
        }
    }
}
