package import SlipwayHTTP
/// An OAuth access token for the Android Publisher API.
package typealias GoogleAccessToken = AccessToken
