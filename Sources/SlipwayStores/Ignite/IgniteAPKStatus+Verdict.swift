/// What the three statuses together mean for the delivery.
///
/// | field | waiting | final, fine | final, failed |
/// |---|---|---|---|
/// | `upload_status` | `SCHEDULED` | `COMPLETED` | `ERROR` |
/// | `samsung_approval_status` | `SCHEDULED` | `COMPLETED`, `NOT_REQUESTED` | `ERROR` |
/// | `manual_approval_status` | `PENDING` | `APPROVED`, `NOT_REQUESTED` | (none documented; `REJECTED`-like values) |
///
/// Values DT has not documented count as still waiting (the poll schedule's cap ends that), except
/// those that plainly say no (`REJECTED`, `DECLINED`, `DENIED`, `ERROR`, `FAILED`).
extension IgniteAPKStatus {
    enum Verdict: Sendable, Equatable {
        /// Uploaded and every requested approval given.
        case approved
        /// Still in progress: what is pending, in words ("Samsung verification").
        case waiting(pending: [String])
        /// A final no: the step it came from, what DT said, what to do.
        case rejected(step: String, message: String, hint: String)
    }

    static let uploadWaiting = "DT processing the upload"
    static let samsungWaiting = "Samsung verification"
    static let manualWaiting = "DT manual approval"

    var verdict: Verdict {
        let said = otherAttributes.isEmpty ? "" : "; DT says: " + otherAttributes.joined(separator: "; ")
        if Self.isNo(uploadStatus) {
            return .rejected(
                step: "DT upload processing",
                message: "DT could not process APK \(id) (upload_status \(uploadStatus ?? "?"))" + said,
                hint: "check that the APK is signed and that store_metadata is complete and right, then deliver a new "
                    + "build; your DT representative can tell what failed")
        }
        if Self.isNo(samsungApprovalStatus) {
            return .rejected(
                step: "Samsung verification",
                message: "Samsung's verification of APK \(id) failed (samsung_approval_status \(samsungApprovalStatus ?? "?"))" + said,
                hint: "ask your DT representative for Samsung's findings, fix them and deliver a new build "
                    + "(or set send_to_samsung: false if the app does not go to Samsung devices)")
        }
        if Self.isNo(manualApprovalStatus) {
            return .rejected(
                step: "DT manual approval",
                message: "a DT representative did not approve APK \(id) (manual_approval_status \(manualApprovalStatus ?? "?"))" + said,
                hint: "ask your DT representative why, fix it and deliver a new build")
        }
        var pending: [String] = []
        if uploadStatus != "COMPLETED" { pending.append(Self.uploadWaiting) }
        if !["COMPLETED", "NOT_REQUESTED"].contains(samsungApprovalStatus ?? "") { pending.append(Self.samsungWaiting) }
        if !["APPROVED", "NOT_REQUESTED"].contains(manualApprovalStatus ?? "") { pending.append(Self.manualWaiting) }
        return pending.isEmpty ? .approved : .waiting(pending: pending)
    }

    private static func isNo(_ status: String?) -> Bool {
        guard let status else { return false }
        return ["ERROR", "REJECT", "DECLINE", "DENIED", "FAIL"].contains { status.contains($0) }
    }
}
