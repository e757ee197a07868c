/// The App Submission API calls the fake tells apart, named as Amazon's reference names them.
/// Faults are aimed at one of them; requests are recorded with theirs.
package enum FakeAmazonOperation: String, Sendable, Equatable, CaseIterable {
    case token
    case getActiveEdit, createEdit, getEdit, deleteEdit, validateEdit, commitEdit
    case listAPKs, getAPK, uploadAPK, replaceAPK, deleteAPK, uploadLargeAPK, attachAPK
    case listListings, getListing, updateListing
    case listImages, uploadImage, deleteImages
    case getAvailability, updateAvailability
    case unknown
}

/// A scripted misbehaviour for the next request of one operation.
package enum FakeAmazonFault: Sendable, Equatable {
    /// Answer this status with Amazon's error body (`{"httpCode":…,"message":…,"errors":[…]}`).
    case status(Int, message: String? = nil)
    /// Every access token handed out so far stops working just before this request, as an
    /// expired token does: the request gets `401 {"Message":"Request is not authorized."}`.
    case expireTokens
    /// Someone else changes the addressed resource just before this request, so the ETag the
    /// client sends is stale: a write with `If-Match` gets 412.
    case staleETag
    /// The app enters review just before this request (a version was submitted in the console):
    /// from now on updates get 412 until `finishReview` is called.
    case enterReview
    /// `validateEdit` / `commitEdit` answer 403 with these validation errors.
    case validationErrors([String])
    /// Uploads only: take the file (the APK is in the Edit from then on), then drop the connection
    /// instead of answering — the lost answer after which a blind retry adds the APK twice.
    case acceptThenDrop
}
