package import Foundation
package import SlipwayCore

/// A Login with Amazon access token (`Atza|…`) and when it stops working.
package struct AmazonAccessToken: Sendable, Equatable {
    package var value: Secret
    package var expiresAt: Date

    package init(value: Secret, expiresAt: Date) {
        self.value = value
        self.expiresAt = expiresAt
    }
}
