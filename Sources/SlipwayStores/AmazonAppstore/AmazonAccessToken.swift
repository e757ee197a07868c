package import SlipwayHTTP
/// A Login with Amazon access token (`Atza|…`).
package typealias AmazonAccessToken = AccessToken
