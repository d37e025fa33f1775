/* host-location.js - where Thunderbird looks for the Mekiki program.
 *
 * When the program cannot be started the add-on cannot see why (Thunderbird
 * reports only "An unexpected error occurred"), but it knows where
 * Thunderbird looked: the native-messaging manifest named "mekiki" in the
 * platform's fixed places, whose "path" names the program. Error messages
 * name those places and the command that rewrites them.
 */
(function (root) {
  "use strict";

  const PLACES = {
    linux: ["~/.mozilla/native-messaging-hosts/mekiki.json", "/usr/lib/mozilla/native-messaging-hosts/mekiki.json"],
    mac: ["~/Library/Application Support/Mozilla/NativeMessagingHosts/mekiki.json"],
    win: ["HKEY_CURRENT_USER\\Software\\Mozilla\\NativeMessagingHosts\\mekiki"],
  };
  const INSTALLERS = {
    linux: "/path/to/mekiki install",
    mac: "/path/to/mekiki install",
    win: "C:\\path\\to\\mekiki.exe install",
  };

  function family(os) {
    if (os === "win" || os === "mac") return os;
    return "linux";
  }

  function manifestPlaces(os) {
    return PLACES[family(os)].slice();
  }

  function installCommand(os) {
    return INSTALLERS[family(os)];
  }

  const api = { manifestPlaces, installCommand };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.MekikiHostLocation = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
