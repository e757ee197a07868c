import Foundation
import SlipwayCore

/// How both stores turn domain values into columns and back, so the SQLite and PostgreSQL rows
/// hold exactly the same text and numbers.
///
/// Dates are unix seconds as a `Double`; domain types are JSON text.
enum StoredValues {
    /// Keys are not sorted: nothing compares stored JSON as text, and sorting was a visible part of
    /// accepting a webhook. An encoder per call: a shared one serialises callers on its options lock.
    static func json(_ value: some Encodable, _ what: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw JobStoreError.corruptRow("\(what) cannot be written as JSON: \(error)")
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String, _ what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw JobStoreError.corruptRow("\(what) is not valid JSON for \(T.self): \(error)")
        }
    }

    static func seconds(_ date: Date) -> Double { date.timeIntervalSince1970 }

    static func date(_ seconds: Double) -> Date { Date(timeIntervalSince1970: seconds) }

    static func seconds(_ duration: Duration) -> Double { duration.timeInterval }

    /// `dlv_` and 32 random hex digits: unguessable, so dashboard links do not enumerate deliveries.
    static func newDeliveryID() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = (0..<2).map { _ in
            let value = generator.next() as UInt64
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return "dlv_" + hex.joined()
    }

    static func deliveryState(_ text: String) throws -> DeliveryState {
        guard let state = DeliveryState(rawValue: text) else {
            throw JobStoreError.corruptRow("unknown delivery state \"\(text)\"")
        }
        return state
    }

    static func jobKind(_ text: String) throws -> JobKind {
        guard let kind = JobKind(rawValue: text) else {
            throw JobStoreError.corruptRow("unknown job kind \"\(text)\"")
        }
        return kind
    }

    /// Builds a `DeliveryRecord` from the columns both stores select in the same order.
    static func record(
        id: String, source: String, externalID: String, eventJSON: String, planJSON: String, state: String,
        lastError: String?, receivedAt: Double, updatedAt: Double, results: [StoreResult], traceParent: String?
    ) throws -> DeliveryRecord {
        DeliveryRecord(
            id: id, source: source, externalID: externalID,
            event: try decode(BuildEvent.self, from: eventJSON, "the event of delivery \(id)"),
            plan: try decode(DeliveryPlan.self, from: planJSON, "the plan of delivery \(id)"),
            state: try deliveryState(state), lastError: lastError,
            receivedAt: date(receivedAt), updatedAt: date(updatedAt), results: results, traceParent: traceParent)
    }
}
