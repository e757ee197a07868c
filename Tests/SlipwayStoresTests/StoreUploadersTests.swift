import AsyncHTTPClient
import Foundation
import Logging
@testable import SlipwayCore
import SlipwayFakes
import SlipwayStores
import Testing

@Suite("Building uploaders from the config")
struct StoreUploadersTests {
    func definition(_ reference: SecretReference) -> StoreDefinition {
        StoreDefinition(
            name: "play-internal", line: 3,
            settings: .googlePlay(GooglePlaySettings(packageName: "com.example.app", serviceAccount: reference)))
    }

    func make(_ definition: StoreDefinition, environment: [String: String]) throws {
        _ = try StoreUploaders.make(
            definition, environment: environment, baseDirectory: nil, httpClient: HTTPClient.shared,
            logger: Logger(label: "test"))
    }

    @Test func aMissingSecretNamesTheStoreAndTheReference() throws {
        let error = #expect(throws: StoreConfigurationError.self) {
            try make(definition(.environment("PLAY_KEY_JSON")), environment: [:])
        }
        let text = "\(error.map { "\($0)" } ?? "")"
        #expect(text.contains("play-internal"))
        #expect(text.contains("${PLAY_KEY_JSON}"))
    }

    @Test func aUserCredentialIsRefusedWithoutEchoingIt() throws {
        let json = #"{"type":"authorized_user","client_secret":"very-secret-value","refresh_token":"1//abc"}"#
        let error = #expect(throws: StoreConfigurationError.self) {
            try make(definition(.environment("PLAY_KEY_JSON")), environment: ["PLAY_KEY_JSON": json])
        }
        let text = "\(error.map { "\($0)" } ?? "")"
        #expect(text.contains("not \"service_account\""))
        #expect(!text.contains("very-secret-value"))
    }

    @Test func aBrokenPrivateKeyIsRefusedWithoutEchoingIt() throws {
        let json = #"{"type":"service_account","client_email":"a@b.iam.gserviceaccount.com","private_key_id":"k1","token_uri":"https://oauth2.googleapis.com/token","private_key":"-----BEGIN PRIVATE KEY-----\nnot-a-key\n-----END PRIVATE KEY-----\n"}"#
        let error = #expect(throws: StoreConfigurationError.self) {
            try make(definition(.environment("PLAY_KEY_JSON")), environment: ["PLAY_KEY_JSON": json])
        }
        let text = "\(error.map { "\($0)" } ?? "")"
        #expect(text.contains("private_key"))
        #expect(!text.contains("not-a-key"))
    }

    @Test func aValidKeyMakesAGooglePlayUploader() throws {
        let json = GooglePlayHarness.account.keyJSON(tokenURI: "https://oauth2.googleapis.com/token")
        let uploader = try StoreUploaders.make(
            definition(.environment("PLAY_KEY_JSON")), environment: ["PLAY_KEY_JSON": json], baseDirectory: nil,
            httpClient: HTTPClient.shared, logger: Logger(label: "test"))
        #expect(uploader is GooglePlayInternalSharing)
        #expect(uploader.definition.name == "play-internal")
    }
}
