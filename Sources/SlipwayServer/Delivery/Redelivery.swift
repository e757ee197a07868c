package import Foundation
package import SlipwayQueue
import SlipwayCore

/// Puts stores of a delivery back in the queue — its failed ones, or the ones named — with its
/// original plan; stores that succeeded are not uploaded again unless named. Shared by the
/// check run's "Re-deliver failed" button, `POST /api/deliveries/ID/redeliver`, the delivery page
/// and `slipway redeliver`. Every redelivery is recorded on the delivery.
package struct Redelivery: Sendable {
    let jobStore: any JobStore

    package init(jobStore: any JobStore) {
        self.jobStore = jobStore
    }

    package enum Refusal: Error, CustomStringConvertible, Equatable {
        case notFound(String)
        case busy(String, state: String)
        case nothingFailed(String)
        case unknownStores([String], known: [String])

        package var description: String {
            switch self {
            case .notFound(let id): "there is no delivery \(id)"
            case .busy(let id, let state):
                "delivery \(id) is \(state); wait until it has finished (a redelivery now would race the running one)"
            case .nothingFailed(let id): "delivery \(id) has no failed store to re-deliver; name the stores to upload again"
            case .unknownStores(let names, let known):
                "delivery \(names.count == 1 ? "has no store" : "has no stores") \(names.joined(separator: ", ")); it has \(known.joined(separator: ", "))"
            }
        }
    }

    /// One recorded redelivery.
    package struct Record: Codable, Sendable, Equatable {
        package var by: String
        package var at: Date
        package var stores: [String]
    }

    static let recordKey = "redeliveries"

    /// Queues `stores` (nil: every failed store) of delivery `id` again; returns the stores queued.
    package func redeliver(_ id: String, stores: [String]?, by: String, now: Date = Date()) async throws -> [String] {
        guard let record = try await jobStore.delivery(id: id) else { throw Refusal.notFound(id) }
        guard record.state != .queued && record.state != .running else { throw Refusal.busy(id, state: record.state.rawValue) }
        let known = record.results.map(\.store)
        let chosen: [String]
        if let stores, !stores.isEmpty {
            let unknown = stores.filter { !known.contains($0) }
            guard unknown.isEmpty else { throw Refusal.unknownStores(unknown, known: known) }
            chosen = stores
        } else {
            chosen = record.results.filter { $0.state == .failed }.map(\.store)
            guard !chosen.isEmpty else { throw Refusal.nothingFailed(id) }
        }
        for var result in record.results where chosen.contains(result.store) {
            result.state = .pending
            result.summary = "re-delivery requested"
            result.failure = nil
            result.updatedAt = now
            try await jobStore.saveResult(deliveryID: id, result: result)
        }
        var history = try await self.history(of: id)
        history.append(Record(by: by, at: now, stores: chosen))
        if let data = try? JSONEncoder.slipway.encode(history) {
            try await jobStore.saveReportReference(deliveryID: id, key: Self.recordKey, value: String(decoding: data, as: UTF8.self))
        }
        try await jobStore.setDeliveryState(deliveryID: id, state: .queued, error: nil)
        _ = try await jobStore.enqueue(deliveryID: id, kind: .deliver, runAt: now, payload: nil)
        return chosen
    }

    /// Who re-delivered what, oldest first.
    package func history(of id: String) async throws -> [Record] {
        guard let text = try await jobStore.reportReference(deliveryID: id, key: Self.recordKey),
            let list = try? JSONDecoder.slipway.decode([Record].self, from: Data(text.utf8))
        else { return [] }
        return list
    }
}

extension JSONEncoder {
    static var slipway: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}

extension JSONDecoder {
    static var slipway: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
