/* Espace de travail, la saisie : lit les champs des formulaires en français (12,5 kg,
 * 1 500,00 €, 30 %, 3,5 °C), dit un acte en une ligne courte pour « Mes actes » (ce qui compte
 * pour chaque sorte d'acte : la quantité et son unité, la température, le lot, le site), et
 * tient les données personnelles (nom et contact d'un foyer, que le serveur désigne dans
 * data-personnels) hors de cette ligne, et hors de l'appareil dès qu'un acte est envoyé ou
 * refusé. Utilisé par espace-actes.js. Aucune bibliothèque. */
(function () {
  "use strict";
  var E = window.CocagneEspace;

  // « 1 234,5 » ou « 12.5 » -> nombre ; décimales bornées ; null si ce n'est pas un nombre.
  function decimal(texte, decimales) {
    var brut = String(texte).replace(/[\s\u202f\u00a0]/g, "").replace(",", ".");
    var motif = new RegExp("^\\d+(\\.\\d{1," + decimales + "})?$");
    return motif.test(brut) ? Number(brut) : null;
  }

  var CONVERSIONS = {
    kg: { facteur: 1000, decimales: 3, exemple: "12,5" },
    euros: { facteur: 100, decimales: 2, exemple: "1 500,00" },
    eur_per_kg: { facteur: 100, decimales: 2, exemple: "1,80" },
    percent: { facteur: 100, decimales: 2, exemple: "30" }
  };
  var ZERO_PERMIS = { received_g: true, loss_g: true, waste_g: true };
  var DEGRES_MIN = -50, DEGRES_MAX = 60;  // au-delà, une faute de frappe (domain/stock_rules.py)

  // « 3,5 » ou « -18 » (°C, une décimale) -> dixièmes de degré ; null sinon.
  function dixiemes(texte) {
    var brut = String(texte).replace(/\s/g, "").replace("\u2212", "-").replace(",", ".");
    return /^-?\d{1,2}(\.\d)?$/.test(brut) ? Math.round(Number(brut) * 10) : null;
  }

  // Une confirmation demandée seulement dans un cas (« refuser le lot à quai ») : data-si.
  function confirmationDemandee(champ) {
    if (!champ.dataset.si) return true;
    var condition = champ.dataset.si.split("=");
    var autre = champ.form.querySelector("[name='" + condition[0] + "']");
    return !!autre && autre.value === condition[1];
  }

  function libelle(champ) {
    if (champ.tagName === "FIELDSET") return champ.querySelector("legend").textContent;
    var l = champ.form.querySelector("label[for='" + champ.id + "']");
    return l ? l.textContent : champ.name;
  }

  function cases(champ) {
    return Array.prototype.filter.call(champ.querySelectorAll("input[type=checkbox]"),
      function (c) { return c.checked; }).map(function (c) { return c.value; });
  }

  // Valeur d'un champ pour la commande, ou une erreur en français.
  function valeur(champ) {
    var genre = champ.dataset.kind;
    if (genre === "uuid_set") {
      var choisis = cases(champ);
      if (!choisis.length && champ.dataset.requis) return { erreur: "cochez au moins une case" };
      return choisis.length ? { valeur: choisis } : { absent: true };
    }
    if (genre === "confirm") return champ.checked || !confirmationDemandee(champ) ?
      { absent: true } : { erreur: "cochez la confirmation" };
    var texte = String(champ.value || "").trim();
    if (texte === "") return champ.required ? { erreur: "à remplir" } : { absent: true };
    if (CONVERSIONS[genre]) {
      var c = CONVERSIONS[genre];
      var n = decimal(texte, c.decimales);
      if (n === null) return { erreur: "nombre attendu, par exemple " + c.exemple };
      var entier = Math.round(n * c.facteur);
      if (genre === "kg" && entier <= 0 && !ZERO_PERMIS[champ.name]) {
        return { erreur: "doit être plus que 0 kg" };
      }
      if (champ.dataset.max && entier > Number(champ.dataset.max)) return { erreur: "trop grand" };
      return { valeur: entier };
    }
    if (genre === "celsius") {
      var d = dixiemes(texte);
      if (d === null) return { erreur: "température attendue, par exemple 3,5 ou -18" };
      if (d < DEGRES_MIN * 10 || d > DEGRES_MAX * 10) {
        return { erreur: "entre " + DEGRES_MIN + " et " + DEGRES_MAX + " °C" };
      }
      return { valeur: d };
    }
    if (genre === "kg_list") {
      var parts = texte.split(";").map(function (p) { return decimal(p, 3); });
      if (parts.length < 2 || parts.some(function (p) { return p === null || p <= 0; })) {
        return { erreur: "au moins deux quantités séparées par ;, par exemple 10 ; 12,5" };
      }
      return { valeur: parts.map(function (p) { return Math.round(p * 1000); }) };
    }
    if (genre === "words") {
      return { valeur: texte.split(/[;,]/).map(function (p) { return p.trim(); })
        .filter(function (p) { return p !== ""; }) };
    }
    if (genre === "int") {
      return /^\d+$/.test(texte) ? { valeur: Number(texte) } : { erreur: "nombre entier attendu" };
    }
    if (genre === "datetime") {
      var moment = new Date(texte);
      return isNaN(moment.getTime()) ? { erreur: "date et heure attendues" } :
        { valeur: moment.toISOString() };
    }
    if (genre === "date" && !/^\d{4}-\d{2}-\d{2}$/.test(texte)) return { erreur: "date attendue" };
    if (genre === "week") {
      // « 2026-S07 » comme le dit l'étiquette (AAAA-Snn), ou « 2026-W07 » (ISO).
      var semaine = /^(\d{4})-[SW](\d{2})$/i.exec(texte);
      return semaine ? { valeur: semaine[1] + "-W" + semaine[2] } :
        { erreur: "semaine attendue, par exemple 2026-S07" };
    }
    return { valeur: texte };
  }

  // Ce que « Mes actes » montre d'un champ : tel que saisi, avec son unité, en français.
  var UNITES = { kg: " kg", kg_list: " kg", euros: " €", eur_per_kg: " €/kg", percent: " %",
                 celsius: " °C" };
  function enClair(champ, r) {
    var genre = champ.dataset.kind;
    if (champ.tagName === "SELECT") return champ.options[champ.selectedIndex].text;
    if (UNITES[genre]) return champ.value.trim() + UNITES[genre];
    if (genre === "date") return r.valeur.split("-").reverse().join("/");
    if (genre === "datetime") {
      return new Date(r.valeur).toLocaleString("fr-FR", { dateStyle: "short", timeStyle: "short" });
    }
    if (genre === "week") {
      return "semaine " + Number(r.valeur.slice(6)) + " de " + r.valeur.slice(0, 4);
    }
    if (genre === "words") return r.valeur.join(", ");
    return String(r.valeur);
  }


  // ---------------------------------------------------------------- la ligne de « Mes actes »

  // Ce qui compte de chaque sorte d'acte, du plus important au moins important ; l'ordre
  // affiché reste celui du formulaire. Sans entrée ici : les quantités d'abord, puis les
  // choix (lot, site, structure), les dates, le texte. Jamais un champ personnel.
  var SOMMAIRES = {
    offer_lot: ["product", "variety", "quantity_g", "price_cents_per_kg"],
    enrol_household: ["reference", "share_bp"],
    receive_lot: ["lot_id", "measured_g", "temperature_dc", "site_id", "if_out_of_range"],
    prepare_basket: ["household_id", "lot_id", "quantity_g", "week"],
    record_workshop: ["kind", "held_on", "attendance_count", "programme_id", "title"],
    record_distribution: ["lot_id", "quantity_g", "channel"],
    record_loss: ["lot_id", "quantity_g", "reason"],
    accept_offer: ["lot_id", "accepted_g", "site_id"],
    receive_donation: ["donor_id", "quantity_g", "description", "site_id"],
    sort_donation: ["lot_id", "product", "quantity_g", "waste_g"],
    record_donation: ["lot_id", "donor_id", "declared_value_cents", "quantity_g"],
    reserve_lot: ["lot_id", "quantity_g", "outlet_id"],
    release_reservation: ["lot_id", "quantity_g", "outlet_id"],
    declare_need: ["product", "quantity_g", "round_id"],
    receive_delivery: ["received_g"],
    commit_budget: ["amount_cents", "programme_id"]
  };
  var AVANT = { reference: "référence ", occurred_at: "fait le " };
  var RANG_GENRE = { kg: 0, kg_list: 0, celsius: 0, euros: 0, eur_per_kg: 0, percent: 0,
                     uuid: 1, choice: 1, week: 2, date: 2, int: 2, text: 3, words: 3,
                     datetime: 4 };
  var LIGNE_MAX = 110;   // caractères du détail d'un acte : une ligne courte sur un téléphone
  var PARTIE_MAX = 40;   // un texte long (un motif) est coupé

  var PERSONNELS = {};
  try { PERSONNELS = JSON.parse(document.body.dataset.personnels || "{}"); } catch (e) {}
  function personnels(commande) { return PERSONNELS[commande] || []; }

  function partie(champ, r) {
    var texte = enClair(champ, r);
    // Un lot se dit par son code et son produit, sans ce qu'il pèse en stock ni sa plage.
    if (champ.tagName === "SELECT" && /lot_id$/.test(champ.name)) {
      texte = texte.split(", ")[0].replace(/ \([^)]*\)$/, "");
    }
    texte = (AVANT[champ.name] || "") + texte;
    return texte.length > PARTIE_MAX ? texte.slice(0, PARTIE_MAX - 1) + "…" : texte;
  }

  // La ligne d'un acte : son titre, puis ce qui compte, dans l'ordre du formulaire, tant que
  // la ligne reste courte. ``lus`` : [{ champ, r }] des champs remplis, dans l'ordre.
  function resumer(form, lus) {
    var prives = personnels(form.dataset.command);
    var choisis = SOMMAIRES[form.dataset.command];
    var candidats = [];
    lus.forEach(function (lu, ordre) {
      var champ = lu.champ, genre = champ.dataset.kind;
      if (prives.indexOf(champ.name) >= 0 || !(genre in RANG_GENRE)) return;
      var rang = choisis ? choisis.indexOf(champ.name) : RANG_GENRE[genre];
      if (rang < 0) return;
      candidats.push({ rang: rang, ordre: ordre, texte: partie(champ, lu.r) });
    });
    candidats.sort(function (a, b) { return a.rang - b.rang || a.ordre - b.ordre; });
    var gardes = [], longueur = 0;
    candidats.forEach(function (c) {
      if (gardes.length && longueur + c.texte.length + 2 > LIGNE_MAX) return;
      gardes.push(c);
      longueur += c.texte.length + 2;
    });
    gardes.sort(function (a, b) { return a.ordre - b.ordre; });
    return form.dataset.label + (gardes.length ? " — " + gardes.map(function (c) {
      return c.texte;
    }).join(", ") : "");
  }

  // ---------------------------------------------------------------- données personnelles

  // Une ligne écrite par une page plus ancienne, qui citait le nom ou le contact : ils en
  // sont retirés (s'il en reste, seul le titre reste).
  function ligneSans(resume, valeurs) {
    var cite = function (texte) {
      return valeurs.some(function (v) { return texte.indexOf(v) >= 0; });
    };
    if (!resume || !cite(resume)) return resume;
    var coupe = resume.indexOf(" — ");
    if (coupe < 0) return "Acte";
    var parties = resume.slice(coupe + 3).split(", ").filter(function (p) {
      var t = p.trim();
      return t && !cite(t) && !valeurs.some(function (v) { return v.indexOf(t) >= 0; });
    });
    var ligne = resume.slice(0, coupe) + (parties.length ? " — " + parties.join(", ") : "");
    return cite(ligne) ? resume.slice(0, coupe) : ligne;
  }

  // Un acte tel qu'il peut rester sur l'appareil : ses champs personnels n'apparaissent
  // jamais dans sa ligne, et quittent son corps et sa saisie dès qu'il est envoyé ou refusé
  // (un acte en attente les garde : il doit encore partir). Vaut aussi pour ce qu'une page
  // plus ancienne a laissé.
  function sansDonneesPersonnelles(acte) {
    var noms = personnels(acte.commande);
    if (!noms.length || !acte.corps) return acte;
    var valeurs = [];
    noms.forEach(function (nom) {
      var v = acte.corps[nom];
      if (typeof v === "string" && v.trim()) valeurs.push(v.trim());
    });
    acte.resume = ligneSans(acte.resume, valeurs);
    if (acte.etat !== "envoye" && acte.etat !== "refuse") return acte;
    noms.forEach(function (nom) {
      if (nom in acte.corps) { delete acte.corps[nom]; acte.sansPersonnel = true; }
    });
    (acte.saisie || []).forEach(function (v, i) {
      if ((acte.prives || []).indexOf(i) >= 0 ||
          (typeof v === "string" && valeurs.indexOf(v.trim()) >= 0)) acte.saisie[i] = "";
    });
    return acte;
  }

  E.saisie = { decimal: decimal, valeur: valeur, libelle: libelle, cases: cases,
               resumer: resumer, personnels: personnels,
               sansDonneesPersonnelles: sansDonneesPersonnelles };
})();
