package import SlipwayHTTP
/// A DT Account Service access token (DT: always one hour).
package typealias IgniteAccessToken = AccessToken
