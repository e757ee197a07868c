/// Product Science build uploads: upload context → build metadata → the file sent to the signed
/// storage URL exactly as the answer's `uploadSpec` says.
///
/// One store uploads one kind of build: a team sending both the plain and the instrumented APK
/// declares two stores, one per `build_type`.
package struct BuildUploadsSettings: Sendable, Equatable, StoreSettingsDescription {
    /// Product Science's `buildType`.
    package enum BuildType: String, Sendable, Equatable, CaseIterable {
        /// A normal build with the UserFlow library.
        case apk = "APK"
        /// A build with the Product Science instrumentation plugin applied.
        case instrumentedAPK = "INSTRUMENTED_APK"
    }

    /// The `productscience.token` of the project.
    package var token: SecretReference
    /// The Product Science project name (`{projectName}` in the API paths).
    package var project: String
    package var buildType: BuildType
    /// API root; production per Product Science's integration guides. Its docs also show
    /// `https://productscience.app` and `https://test.productscience.app`.
    package var apiURL: String
    /// The header of `uploadSpec.headers` that declares the accepted size (`min,max`); Slipway
    /// refuses a file outside it before sending a byte.
    package var sizeRangeHeader: String

    package init(
        token: SecretReference, project: String, buildType: BuildType = .apk,
        apiURL: String = "https://prod.productscience.app", sizeRangeHeader: String = "x-goog-content-length-range"
    ) {
        self.token = token
        self.project = project
        self.buildType = buildType
        self.apiURL = apiURL
        self.sizeRangeHeader = sizeRangeHeader
    }

    package var explanation: String {
        "upload as \(buildType.rawValue) to Product Science project \(project) (context → build → signed URL)"
    }

    package var secretReferences: [(field: String, reference: SecretReference)] {
        [("token", token)]
    }
}
