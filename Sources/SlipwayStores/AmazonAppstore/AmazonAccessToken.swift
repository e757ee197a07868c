/// A Login with Amazon access token (`Atza|…`).
package typealias AmazonAccessToken = AccessToken
