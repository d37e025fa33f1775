/* data-freshness.js - how old the host's location data is.
 *
 * The host's pong lists its databases (databases.geo.city: one entry per
 * file, each with a build_date "YYYY-MM-DD" and the publisher's name). The
 * options page shows the name and date and warns when the oldest City file
 * is older than STALE_DAYS: IP ranges change hands every month, so old data
 * puts senders in the wrong country.
 */
(function (root) {
  "use strict";

  const STALE_DAYS = 90;
  const DAY_MS = 24 * 60 * 60 * 1000;

  /* {name, buildDate, ageDays, stale} of the oldest City file, or null when
   * the host reports none. now is a Date.now()-style number. */
  function cityData(databases, now) {
    const geo = databases && typeof databases === "object" ? databases.geo : null;
    const files = geo && Array.isArray(geo.city) ? geo.city : [];
    let oldest = null;
    for (const f of files) {
      if (!f || typeof f.build_date !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(f.build_date)) continue;
      const built = Date.parse(f.build_date + "T00:00:00Z");
      if (Number.isNaN(built)) continue;
      if (!oldest || built < oldest.built) oldest = { built, name: typeof f.name === "string" ? f.name : "?", buildDate: f.build_date };
    }
    if (!oldest) return null;
    const ageDays = Math.max(0, Math.floor((now - oldest.built) / DAY_MS));
    return { name: oldest.name, buildDate: oldest.buildDate, ageDays, stale: ageDays > STALE_DAYS };
  }

  const api = { STALE_DAYS, cityData };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.MekikiDataFreshness = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
