/* Tableau de bord, le stock : par site, produit et lot, dans tous ses états (en stock,
 * réservé, disponible, en route, bloqué, rappelé, périmé, à consommer vite), tenu à jour
 * par le flux en direct (SSE), ou tel qu'il était au soir d'un jour passé. Un état n'est
 * jamais dit par la seule couleur : chaque ligne surlignée porte une étiquette en mots.
 * Aucune bibliothèque ; tout le texte vient de l'API par textContent (jamais de HTML). */
(function () {
  "use strict";

  // Les codes de l'API en français (docs/stock.md).
  var NATURES = { dlc: "DLC", ddm: "DDM", none: "date conseillée" };
  var ETATS = { rappele: "rappelés", bloque: "bloqués", perime: "périmés",
    expirant: "à consommer vite", "en-route": "en route", vrac: "en vrac à trier" };

  window.CocagneStock = function (outils) {
    var api = outils.api, $ = outils.$, cellule = outils.cellule, vider = outils.vider;
    var kg = outils.kg, jour = outils.jour;
    var groupes = {};   // "site|produit" -> { lines: [...], transit: [...] }
    var source = null;  // EventSource du flux en direct
    var position = 0;   // dernière notification prise en compte
    var auJour = "";    // "" : en direct ; sinon AAAA-MM-JJ, le stock au soir de ce jour

    function cle(site, produit) { return site + "|" + produit; }

    // Un moment de l'API (UTC) -> son jour à Paris, « 07/12/2026 ».
    function jourParis(moment) {
      return new Date(moment).toLocaleDateString("fr-FR", { timeZone: "Europe/Paris" });
    }

    function groupe(k) { return groupes[k] = groupes[k] || { lines: [], transit: [] }; }

    // La fin d'un jour à Paris, avec son décalage (heure d'hiver ou d'été) : « 2026-12-03 »
    // -> « 2026-12-03T23:59:59+01:00 », ce que l'API lit comme la CLI lit --as-of JOUR.
    function finDeJourParis(iso) {
      var midi = new Date(iso + "T12:00:00Z");
      var nom = new Intl.DateTimeFormat("en-US", { timeZone: "Europe/Paris",
        timeZoneName: "longOffset" }).formatToParts(midi).filter(function (p) {
        return p.type === "timeZoneName";
      })[0].value;
      return iso + "T23:59:59" + (nom.replace("GMT", "") || "+00:00");
    }

    function charger() {
      var chemin = "/api/stock" + (auJour ? "?as_of=" + encodeURIComponent(finDeJourParis(auJour)) : "");
      return api(chemin).then(function (stock) {
        groupes = {};
        stock.lines.forEach(function (l) { groupe(cle(l.site_id, l.product)).lines.push(l); });
        (stock.in_transit || []).forEach(function (t) {
          groupe(cle(t.site_id, t.product)).transit.push(t);
        });
        if (!auJour) position = stock.position;
        rendre();
        return stock;
      }, function (e) {
        var corps = $("table-lots").querySelector("tbody");
        vider(corps);
        var tr = document.createElement("tr");
        var td = cellule(tr, e.status === 403 ? "Votre rôle ne donne pas accès au stock." : e.message);
        td.colSpan = 8;
        corps.appendChild(tr);
        throw e;
      });
    }

    function badge(texte, classe) {
      var s = document.createElement("span");
      s.className = "badge " + classe;
      s.textContent = texte;
      return s;
    }

    // Les états d'une ligne, du plus urgent au moins urgent : [texte, classe].
    function etatsDe(l) {
      var etats = [];
      if (l.recalled) etats.push(["Rappelé : ne pas distribuer", "rappele"]);
      if (l.on_hold) {
        etats.push(["Bloqué" + (l.held_since ? " depuis le " + jourParis(l.held_since) : "") +
          " : " + l.hold_reason, "bloque"]);
      }
      if (l.expiry === "expired") {
        etats.push([l.blocked_by_date ? "Périmé : ne pas distribuer" : "Date dépassée", "perime"]);
      }
      if (l.expiring_soon) {
        etats.push([l.days_left > 0 ? "À consommer vite : " + l.days_left + " j" :
          "À consommer vite : aujourd’hui", "expirant"]);
      }
      if (l.bulk) etats.push(["Vrac à trier", "vrac"]);
      if (l.in_transit_g) etats.push(["En route : " + kg(l.in_transit_g), "en-route"]);
      return etats;
    }

    function filtres() {
      return { site: $("filtre-site").value, etat: $("filtre-etat").value,
        produit: $("filtre-produit").value.trim().toLowerCase() };
    }

    function ligneLot(l, etats) {
      var tr = document.createElement("tr");
      tr.dataset.lotId = l.lot_id;
      if (etats.length) tr.className = "etat-" + etats[0][1];
      cellule(tr, l.code);
      cellule(tr, l.product + (l.variety ? " " + l.variety : ""));
      var td = cellule(tr, "");
      etats.forEach(function (e) {
        td.appendChild(badge(e[0], e[1]));
        td.appendChild(document.createTextNode(" "));
      });
      if (!etats.length) td.textContent = l.available_g ? "Disponible" : "—";
      cellule(tr, (NATURES[l.date_kind] || l.date_kind) + " " + jour(l.best_before));
      cellule(tr, kg(l.on_hand_g), "nombre").dataset.grams = l.on_hand_g;
      cellule(tr, kg(l.reserved_g), "nombre");
      cellule(tr, kg(l.available_g), "nombre");
      cellule(tr, l.site_name);
      return tr;
    }

    function ligneRoute(t) {
      var tr = document.createElement("tr");
      tr.dataset.lotId = t.lot_id;
      tr.className = "etat-en-route";
      cellule(tr, t.code);
      cellule(tr, t.product);
      cellule(tr, t.site_name);
      cellule(tr, t.outlet_name);
      cellule(tr, new Date(t.since).toLocaleString("fr-FR", { timeZone: "Europe/Paris",
        dateStyle: "short", timeStyle: "short" }));
      cellule(tr, kg(t.quantity_g), "nombre");
      var td = cellule(tr, "");
      td.appendChild(t.recalled ? badge("Rappelé : ne pas distribuer", "rappele") :
        t.on_hold ? badge("Bloqué", "bloque") : badge("En route", "en-route"));
      return tr;
    }

    var SOMMES = ["on_hand_g", "reserved_g", "available_g", "in_transit_g", "on_hold_g",
      "recalled_g", "expired_g", "expiring_soon_g"];
    var CHIFFRES = { on_hand_g: "stock-total", reserved_g: "stock-reserve",
      available_g: "stock-disponible", in_transit_g: "stock-en-route", on_hold_g: "stock-bloque",
      recalled_g: "stock-rappele", expired_g: "stock-perime", expiring_soon_g: "stock-expirant" };

    function rendre() {
      var f = filtres();
      var cles = Object.keys(groupes).filter(function (k) {
        return groupes[k].lines.length || groupes[k].transit.length;
      }).sort(function (a, b) {
        var na = nomSite(groupes[a]), nb = nomSite(groupes[b]);
        return na === nb ? (a < b ? -1 : 1) : (na < nb ? -1 : 1);
      });
      var sites = {};
      var corps = { totaux: $("table-totaux").querySelector("tbody"),
        lots: $("table-lots").querySelector("tbody"), route: $("table-en-route").querySelector("tbody") };
      Object.keys(corps).forEach(function (n) { vider(corps[n]); });
      var somme = {};
      SOMMES.forEach(function (n) { somme[n] = 0; });
      cles.forEach(function (k) {
        var g = groupes[k];
        var premiere = g.lines[0] || g.transit[0];
        sites[premiere.site_id] = premiere.site_name;
        if (f.site && premiere.site_id !== f.site) return;
        if (f.produit && premiere.product.indexOf(f.produit) < 0) return;
        var t = { lots: 0 };
        SOMMES.forEach(function (n) { t[n] = 0; });
        g.lines.forEach(function (l) {
          var etats = etatsDe(l);
          t.lots += 1;
          SOMMES.forEach(function (n) { if (n !== "in_transit_g") t[n] += l[n]; });
          if (f.etat && !etats.some(function (e) { return e[1] === f.etat; })) return;
          corps.lots.appendChild(ligneLot(l, etats));
        });
        g.transit.forEach(function (r) {
          t.in_transit_g += r.quantity_g;
          if (!f.etat || f.etat === "en-route") corps.route.appendChild(ligneRoute(r));
        });
        corps.totaux.appendChild(ligneTotal(premiere, t));
        SOMMES.forEach(function (n) { somme[n] += t[n]; });
      });
      vide(corps.lots, f.etat ? "Aucun lot " + ETATS[f.etat] + "." : "Aucun lot en stock.", 8);
      vide(corps.route, "Rien en route.", 7);
      vide(corps.totaux, "Aucun stock.", 11);
      SOMMES.forEach(function (n) {
        $(CHIFFRES[n]).textContent = kg(somme[n]);
        $(CHIFFRES[n]).dataset.grams = somme[n];
      });
      completerSites(sites);
    }

    function nomSite(g) { return (g.lines[0] || g.transit[0] || {}).site_name || ""; }

    function ligneTotal(premiere, t) {
      var tr = document.createElement("tr");
      cellule(tr, premiere.site_name);
      cellule(tr, premiere.product);
      cellule(tr, String(t.lots), "nombre");
      SOMMES.forEach(function (n) { cellule(tr, kg(t[n]), "nombre"); });
      return tr;
    }

    function vide(corps, texte, colonnes) {
      if (corps.firstChild) return;
      var tr = document.createElement("tr");
      cellule(tr, texte).colSpan = colonnes;
      corps.appendChild(tr);
    }

    function completerSites(sites) {
      var choix = $("filtre-site");
      var actuel = choix.value;
      Object.keys(sites).forEach(function (id) {
        if (!choix.querySelector('option[value="' + id + '"]')) {
          var o = document.createElement("option");
          o.value = id;
          o.textContent = sites[id];
          choix.appendChild(o);
        }
      });
      choix.value = actuel;
    }

    ["filtre-site", "filtre-etat"].forEach(function (id) { $(id).addEventListener("change", rendre); });
    $("filtre-produit").addEventListener("input", rendre);
    $("filtres-stock").addEventListener("submit", function (e) { e.preventDefault(); });

    // ------------------------------------------------------------------ au soir d'un jour

    function montrerJour() {
      var annonce = $("stock-vue");
      annonce.hidden = !auJour;
      annonce.textContent = auJour ? "Stock au soir du " + jour(auJour) +
        " (heure de Paris) : le direct est suspendu." : "";
      $("stock-direct").hidden = !auJour;
    }

    $("stock-date").max = new Date().toISOString().slice(0, 10);
    $("form-stock-date").addEventListener("submit", function (evenement) {
      evenement.preventDefault();
      auJour = $("stock-date").value;
      montrerJour();
      charger().catch(function () {});
    });
    $("stock-direct").addEventListener("click", function () {
      auJour = "";
      $("stock-date").value = "";
      montrerJour();
      charger().then(connecter, function () {});
    });

    // ------------------------------------------------------------------ direct

    function connecter() {
      if (source) source.close();
      // Le cookie de session (posé par POST /api/session) authentifie le flux : EventSource
      // n'envoie pas d'en-têtes. En cas de coupure, le navigateur se reconnecte seul et
      // renvoie Last-Event-ID : le serveur renvoie ce qui a été manqué.
      source = new EventSource("/api/live?after=" + position);
      source.onopen = function () { outils.etat("En direct", "direct"); };
      source.onerror = function () { outils.etat("Reconnexion…", "hors-ligne"); };
      source.addEventListener("stock", function (evenement) {
        if (auJour) return;  // un jour passé est affiché : le direct reprendra au retour
        var message = JSON.parse(evenement.data);
        message.groups.forEach(function (g) {
          groupes[cle(g.site_id, g.product)] = { lines: g.lines, transit: g.in_transit || [] };
        });
        position = Math.max(position, message.position);
        rendre();
      });
      source.addEventListener("governance", function () { outils.surGouvernance(); });
      source.addEventListener("balances", function () { outils.surSoldes(); });
      source.addEventListener("reset", function () {
        source.close();
        charger().then(connecter, function () {});
      });
    }

    function fermer() { if (source) source.close(); }

    return { charger: charger, connecter: connecter, fermer: fermer };
  };
})();
