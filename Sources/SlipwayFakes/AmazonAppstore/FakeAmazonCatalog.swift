/// What Amazon's flows page lists as valid values, copied here so the fake checks them on its
/// own (SlipwayFakes does not depend on SlipwayCore).
extension FakeAmazonAppstore {
    static let languages: Set<String> = [
        "zh_CN", "de_DE", "en_AU", "en_GB", "en_IN", "en_US", "es_ES", "fr_FR", "it_IT", "ja_JP", "pt_BR",
    ]

    static let imageTypes: Set<String> = [
        "small-icons", "large-icons", "screenshots", "promo-images", "firetv-screenshots", "firetv-icons",
        "firetv-backgrounds", "firetv-featured-backgrounds", "firetv-featured-logos",
    ]

    static let zoneIDs: Set<String> = [
        "US_Alaska", "US_Arizona", "US_Central", "US_East", "US_Eastern", "US_Hawaii", "US_Mountain", "US_Pacific",
        "Canada_Eastern", "Canada_Newfoundland", "Canada_Saskatchewan", "Europe_Athens", "Europe_Belgrade",
        "Europe_Berlin", "Europe_Brussels", "Europe_Helsinki", "Europe_London", "Europe_Madrid", "Europe_Minsk",
        "Europe_Moscow", "Europe_Paris", "Europe_Rome", "Europe_Warsaw", "Atlantic_Azores", "Atlantic_Cape_Verde",
        "Atlantic_South_Georgia", "Africa_Algiers", "Africa_Cairo", "Africa_Casablanca", "Africa_Harare",
        "Africa_Nairobi", "Africa_Windhoek", "Asia_Amman", "Asia_Baghdad", "Asia_Baku", "Asia_Bangkok", "Asia_Beirut",
        "Asia_Calcutta", "Asia_Colombo", "Asia_Dhaka", "Asia_Irkutsk", "Asia_Jerusalem", "Asia_Kabul", "Asia_Karachi",
        "Asia_Katmandu", "Asia_Kolkata", "Asia_Krasnoyarsk", "Asia_Kuala_Lumpur", "Asia_Kuwait", "Asia_Magadan",
        "Asia_Muscat", "Asia_Novosibirsk", "Asia_Rangoon", "Asia_Seoul", "Asia_Shanghai", "Asia_Taipei", "Asia_Tbilisi",
        "Asia_Tehran", "Asia_Tokyo", "Asia_Vladivostok", "Asia_Yakutsk", "Asia_Yekaterinburg", "Asia_Yerevan",
        "Australia_Adelaide", "Australia_Brisbane", "Australia_Darwin", "Australia_Hobart", "Australia_Perth",
        "Australia_Sydney", "Pacific_Auckland", "Pacific_Fiji", "Pacific_Guam", "Pacific_Midway", "Pacific_Tongatapu",
        "America_Bogota", "America_Buenos_Aires", "America_Caracas", "America_Chihuahua", "America_Godthab",
        "America_Guatemala", "America_Los_Angeles", "America_Manaus", "America_Mexico_City", "America_Montevideo",
        "America_Santiago", "America_Tijuana", "Brazil_East",
    ]

    /// `YYYY-MM-DDThh:mm:ss` with an optional fraction.
    static func isDateTime(_ text: String) -> Bool {
        let pattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/
        return text.wholeMatch(of: pattern) != nil
    }
}
