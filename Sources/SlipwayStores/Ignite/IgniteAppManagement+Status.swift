import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1
import SlipwayCore

/// The status check: `GET {api_url}/v1/apks_external/{id}`.
extension IgniteAppManagement {
    static let statusStep = "check APK status"

    func status(apkID: String, logger: Logger) async throws(StoreCallFailure) -> IgniteAPKStatus {
        let endpoint = Self.join(settings.apiURL, "/v1/apks_external/\(Self.segment(apkID))")
        let response = try await send(step: Self.statusStep, logger: logger) { (authorization) async throws in
            var request = HTTPClientRequest(url: endpoint)
            request.method = .GET
            request.headers.add(name: "Authorization", value: authorization)
            request.headers.add(name: "Accept", value: "application/json")
            // DT lists this header for the GET too.
            request.headers.add(name: "Content-Type", value: "application/json")
            return try await http.send(request, timeout: http.timeouts.api, logger: logger)
        }
        guard (200...299).contains(response.status) else {
            throw failure(response, step: Self.statusStep)
        }
        guard let status = IgniteAPKStatus.parse(response.bodyData) else {
            throw StoreCallFailure(
                step: Self.statusStep,
                message: "DT answered HTTP \(response.status) without the APK's statuses (data.attributes)",
                hint: "check that api_url points at DT's App Management API", httpStatus: response.status,
                isRetryable: false)
        }
        return status
    }
}
