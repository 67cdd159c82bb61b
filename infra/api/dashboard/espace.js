/* Espace de travail : envoie les actes des formulaires au registre, les garde sur l'appareil
 * hors connexion et les envoie dans l'ordre au retour du réseau ; trie et filtre les tableaux.
 * Aucune bibliothèque ; le texte vient des pages ou de l'API (textContent, jamais de HTML). */
(function () {
  "use strict";
  var CLE_JETON = "cocagne.espace.jeton";
  var corps = document.body;
  var membre = corps.dataset.membre || "";
  var CLE_ACTES = "cocagne.espace.actes." + membre;
  var ACTES_GARDES_MAX = 30;   // actes listés sur l'appareil ; les plus anciens envoyés partent
  var ENVOI_DELAI_MS = 15000;  // au-delà, une requête est tenue pour perdue et réessayée
  var $ = function (id) { return document.getElementById(id); };
  var nombre = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 3 });

  // ---------------------------------------------------------------- session

  function jeton() { return localStorage.getItem(CLE_JETON); }

  function ouvrirSession(valeur) {
    localStorage.setItem(CLE_JETON, valeur);
    return fetch("/api/session", { method: "POST", credentials: "same-origin",
      headers: { Authorization: "Bearer " + valeur, "Accept-Language": "fr" } })
      .then(function (reponse) {
        if (!reponse.ok) throw new Error("jeton refusé");
        var suite = new URLSearchParams(location.search).get("suite");
        location.replace(suite && /^\/espace\//.test(suite) ? suite : "/espace");
      });
  }

  var fragment = location.hash.match(/token=([^&]+)/);
  if (fragment) {
    history.replaceState(null, "", location.pathname + location.search);
    ouvrirSession(decodeURIComponent(fragment[1])).catch(function () {
      message("Ce lien de connexion n’est plus valable.");
    });
  }
  var connexion = $("connexion");
  if (connexion) {
    connexion.addEventListener("submit", function (evenement) {
      evenement.preventDefault();
      ouvrirSession($("jeton").value.trim()).catch(function () {
        message("Ce jeton n’est pas reconnu.");
      });
    });
  }
  var deconnexion = $("deconnexion");
  if (deconnexion) {
    deconnexion.addEventListener("click", function () {
      fetch("/api/session", { method: "DELETE", credentials: "same-origin",
        headers: { Authorization: "Bearer " + jeton() } }).finally(function () {
        localStorage.removeItem(CLE_JETON);
        location.replace("/espace");
      });
    });
  }

  function message(texte) {
    var m = $("message");
    if (!m) return;
    m.textContent = texte || "";
    m.hidden = !texte;
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/espace/sw.js", { scope: "/espace/" }).catch(function () {});
  }

  function etatReseau() {
    var e = $("etat-reseau");
    if (!e) return;
    var enLigne = navigator.onLine;
    e.textContent = enLigne ? "En ligne" : "Hors ligne — les actes restent sur l’appareil";
    e.className = "etat " + (enLigne ? "direct" : "hors-ligne");
  }
  window.addEventListener("online", function () { etatReseau(); envoyer(); });
  window.addEventListener("offline", etatReseau);
  etatReseau();

  // ---------------------------------------------------------------- saisie en français

  function cleNouvelle() {
    if (window.crypto && crypto.randomUUID) return "page-" + crypto.randomUUID();
    return "page-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  // « 1 234,5 » ou « 12.5 » -> nombre ; décimales bornées ; null si ce n'est pas un nombre.
  function decimal(texte, decimales) {
    var brut = String(texte).replace(/[\s\u202f\u00a0]/g, "").replace(",", ".");
    var motif = new RegExp("^\\d+(\\.\\d{1," + decimales + "})?$");
    if (!motif.test(brut)) return null;
    return Number(brut);
  }

  var CONVERSIONS = {
    kg: { facteur: 1000, decimales: 3, exemple: "12,5" },
    euros: { facteur: 100, decimales: 2, exemple: "1 500,00" },
    eur_per_kg: { facteur: 100, decimales: 2, exemple: "1,80" },
    percent: { facteur: 100, decimales: 2, exemple: "30" }
  };

  function libelle(champ) {
    var l = champ.form.querySelector("label[for='" + champ.id + "']");
    return l ? l.textContent : champ.name;
  }

  // Valeur d'un champ pour la commande, ou une erreur en français.
  function valeur(champ) {
    var genre = champ.dataset.kind;
    var texte = champ.type === "checkbox" ? champ.checked : String(champ.value || "").trim();
    if (genre === "confirm") {
      if (!texte) return { erreur: "cochez la confirmation" };
      return { absent: true };
    }
    if (texte === "") {
      if (champ.required) return { erreur: "à remplir" };
      return { absent: true };
    }
    if (CONVERSIONS[genre]) {
      var c = CONVERSIONS[genre];
      var n = decimal(texte, c.decimales);
      if (n === null) return { erreur: "nombre attendu, par exemple " + c.exemple };
      var entier = Math.round(n * c.facteur);
      if (genre === "kg" && entier <= 0 && champ.name !== "received_g" && champ.name !== "loss_g") {
        return { erreur: "doit être plus que 0 kg" };
      }
      if (champ.dataset.max && entier > Number(champ.dataset.max)) {
        return { erreur: "trop grand" };
      }
      return { valeur: entier };
    }
    if (genre === "kg_list") {
      var parts = texte.split(";").map(function (p) { return decimal(p, 3); });
      if (parts.length < 2 || parts.some(function (p) { return p === null || p <= 0; })) {
        return { erreur: "au moins deux quantités séparées par ;, par exemple 10 ; 12,5" };
      }
      return { valeur: parts.map(function (p) { return Math.round(p * 1000); }) };
    }
    if (genre === "int") {
      if (!/^\d+$/.test(texte)) return { erreur: "nombre entier attendu" };
      return { valeur: Number(texte) };
    }
    if (genre === "datetime") {
      var moment = new Date(texte);
      if (isNaN(moment.getTime())) return { erreur: "date et heure attendues" };
      return { valeur: moment.toISOString() };
    }
    if (genre === "date" && !/^\d{4}-\d{2}-\d{2}$/.test(texte)) {
      return { erreur: "date attendue" };
    }
    return { valeur: texte };
  }

  function placer(objet, chemin, v) {
    var parties = chemin.split(".");
    var ici = objet;
    for (var i = 0; i < parties.length - 1; i++) {
      ici[parties[i]] = ici[parties[i]] || {};
      ici = ici[parties[i]];
    }
    ici[parties[parties.length - 1]] = v;
  }

  // Le corps de la commande à partir du formulaire ; null et erreurs affichées sinon.
  function lire(form) {
    var corpsCommande = JSON.parse(form.dataset.fixed || "{}");
    var erreurs = [];
    var resume = [];
    var listes = {};
    Array.prototype.forEach.call(form.elements, function (champ) {
      if (!champ.dataset || !champ.dataset.kind) return;
      champ.removeAttribute("aria-invalid");
      var r = valeur(champ);
      if (r.erreur) {
        erreurs.push(libelle(champ) + " : " + r.erreur);
        champ.setAttribute("aria-invalid", "true");
        return;
      }
      if (r.absent) return;
      if (resume.length < 3 && champ.dataset.kind !== "textarea") {
        var affiche = champ.tagName === "SELECT" ? champ.options[champ.selectedIndex].text
          : (CONVERSIONS[champ.dataset.kind] ? champ.value.trim() : String(r.valeur));
        resume.push(affiche + (champ.dataset.kind === "kg" ? " kg" : ""));
      }
      if (champ.dataset.list) {
        var modele = JSON.parse(champ.dataset.item || "{}");
        var liste = listes[champ.dataset.list] = listes[champ.dataset.list] || [];
        var dernier = liste[liste.length - 1];
        if (Object.keys(modele).length || !dernier || champ.name in dernier) {
          dernier = Object.assign({}, modele);
          liste.push(dernier);
        }
        dernier[champ.name] = r.valeur;
        return;
      }
      placer(corpsCommande, champ.name, r.valeur);
    });
    Object.keys(listes).forEach(function (nom) { corpsCommande[nom] = listes[nom]; });
    var zone = form.querySelector(".erreur-formulaire");
    if (erreurs.length) {
      zone.textContent = "À corriger : " + erreurs.join(" ; ");
      zone.hidden = false;
      var premier = form.querySelector("[aria-invalid='true']");
      if (premier) premier.focus();
      return null;
    }
    zone.hidden = true;
    return { corps: corpsCommande, resume: form.dataset.label + (resume.length ? " — " +
      resume.join(", ") : "") };
  }

  // ---------------------------------------------------------------- file des actes

  function actes() {
    try { return JSON.parse(localStorage.getItem(CLE_ACTES) || "[]"); } catch (e) { return []; }
  }
  function garder(liste) {
    while (liste.length > ACTES_GARDES_MAX) {
      var i = liste.findIndex(function (a) { return a.etat === "envoye"; });
      if (i < 0) break;
      liste.splice(i, 1);
    }
    localStorage.setItem(CLE_ACTES, JSON.stringify(liste));
    afficherActes();
  }
  function changer(cle, modification) {
    var liste = actes();
    liste.forEach(function (a) { if (a.cle === cle) Object.assign(a, modification); });
    garder(liste);
  }

  var MOTS_ETAT = { attente: "en attente", envoi: "envoi…", envoye: "envoyé", refuse: "refusé" };

  function afficherActes() {
    var ol = $("file-actes");
    if (!ol) return;
    while (ol.firstChild) ol.removeChild(ol.firstChild);
    actes().slice().reverse().forEach(function (acte) {
      var li = document.createElement("li");
      li.className = "acte-" + acte.etat;
      li.dataset.cle = acte.cle;
      li.dataset.etat = acte.etat;
      var badge = document.createElement("span");
      badge.className = "badge etat-acte";
      badge.textContent = MOTS_ETAT[acte.etat] || acte.etat;
      li.appendChild(badge);
      li.appendChild(document.createTextNode(" " + acte.resume + " — " +
        new Date(acte.cree).toLocaleString("fr-FR", { dateStyle: "short", timeStyle: "short" })));
      if (acte.etat === "refuse") {
        var raison = document.createElement("p");
        raison.className = "raison";
        raison.textContent = acte.raison || "Refusé.";
        li.appendChild(raison);
        li.appendChild(bouton("Corriger", function () { corriger(acte); }));
        li.appendChild(bouton("Renvoyer", function () {
          changer(acte.cle, { etat: "attente", raison: "" });
          envoyer();
        }));
        li.appendChild(bouton("Abandonner", function () {
          garder(actes().filter(function (a) { return a.cle !== acte.cle; }));
        }));
      }
      ol.appendChild(li);
    });
  }

  function bouton(texte, action) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = texte;
    b.addEventListener("click", action);
    return b;
  }

  // Remet un acte refusé dans son formulaire pour le corriger ; l'envoi corrigé est un
  // nouvel acte (nouvelle clé).
  function corriger(acte) {
    var form = Array.prototype.find.call(document.querySelectorAll("form.acte"), function (f) {
      return f.dataset.command === acte.commande && f.dataset.fixed === acte.fixe;
    });
    if (!form) { message("Le formulaire de cet acte n’est plus sur cette page."); return; }
    var champs = Array.prototype.filter.call(form.elements, function (c) {
      return c.dataset && c.dataset.kind;
    });
    champs.forEach(function (champ, i) {
      if (acte.saisie[i] === undefined) return;
      if (champ.type === "checkbox") champ.checked = false; else champ.value = acte.saisie[i];
    });
    garder(actes().filter(function (a) { return a.cle !== acte.cle; }));
    form.dataset.cle = cleNouvelle();
    form.dataset.envoye = "";
    if (champs[0]) champs[0].focus();
  }

  var enCours = false;
  var dernierePosition = 0;

  function poster(acte) {
    var controle = new AbortController();
    var minuterie = setTimeout(function () { controle.abort(); }, ENVOI_DELAI_MS);
    return fetch("/api/commands/" + acte.commande, {
      method: "POST", credentials: "same-origin", signal: controle.signal,
      headers: { "Content-Type": "application/json", Accept: "application/json",
        "Accept-Language": "fr", "Idempotency-Key": acte.cle,
        Authorization: "Bearer " + (jeton() || "") },
      body: JSON.stringify(acte.corps)
    }).finally(function () { clearTimeout(minuterie); });
  }

  // Envoie les actes en attente, un à un, dans l'ordre où ils ont été enregistrés.
  function envoyer() {
    if (enCours || !navigator.onLine) return;
    var suivant = actes().find(function (a) { return a.etat === "attente"; });
    if (!suivant) return;
    enCours = true;
    changer(suivant.cle, { etat: "envoi" });
    poster(suivant).then(function (reponse) {
      return reponse.json().catch(function () { return {}; }).then(function (reponse_corps) {
        if (reponse.ok) {
          dernierePosition = Math.max(dernierePosition, reponse_corps.notification_id || 0);
          changer(suivant.cle, { etat: "envoye", envoye: Date.now() });
        } else if (reponse.status >= 500 || reponse.status === 429) {
          changer(suivant.cle, { etat: "attente" });
          throw new Error("serveur");
        } else {
          changer(suivant.cle, { etat: "refuse", raison: reponse_corps.message ||
            ("Refusé (" + reponse.status + ").") });
        }
      });
    }).then(function () {
      enCours = false;
      if (actes().some(function (a) { return a.etat === "attente"; })) { envoyer(); return; }
      if (dernierePosition) {
        var position = dernierePosition;
        dernierePosition = 0;
        location.replace(location.pathname + "?apres=" + position);
      }
    }, function () {
      // Réseau coupé ou serveur indisponible : l'acte reste en attente sur l'appareil.
      enCours = false;
      changer(suivant.cle, { etat: "attente" });
      setTimeout(envoyer, 5000);
    });
  }

  function enregistrer(form) {
    var lu = lire(form);
    if (!lu) return;
    var cle = form.dataset.cle;
    var liste = actes();
    if (liste.some(function (a) { return a.cle === cle; })) return; // double envoi : un seul acte
    var saisie = Array.prototype.filter.call(form.elements, function (c) {
      return c.dataset && c.dataset.kind;
    }).map(function (c) { return c.type === "checkbox" ? c.checked : c.value; });
    liste.push({ cle: cle, commande: form.dataset.command, corps: lu.corps, resume: lu.resume,
      fixe: form.dataset.fixed, saisie: saisie, etat: "attente", cree: Date.now() });
    garder(liste);
    form.dataset.envoye = "1";
    if (!navigator.onLine) {
      message("Hors connexion : l’acte est gardé sur l’appareil et partira au retour du réseau.");
      form.reset();
    }
    envoyer();
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.acte"), function (form) {
    form.dataset.cle = cleNouvelle();
    form.addEventListener("submit", function (evenement) {
      evenement.preventDefault();
      enregistrer(form);
    });
    form.addEventListener("input", function () {
      // Une saisie nouvelle après un envoi est un nouvel acte : nouvelle clé.
      if (form.dataset.envoye) { form.dataset.cle = cleNouvelle(); form.dataset.envoye = ""; }
    });
    Array.prototype.forEach.call(form.querySelectorAll("select[data-remplit]"), function (s) {
      s.addEventListener("change", function () {
        var option = s.options[s.selectedIndex];
        var cible = form.querySelector("[name='" + s.dataset.remplit + "']");
        if (cible && option && option.dataset.kg) cible.value = option.dataset.kg;
      });
    });
  });
  // Un envoi interrompu (page rechargée, appareil éteint) repart avec la même clé : si le
  // registre l'avait reçu, il répond la même chose sans rien écrire de plus.
  garder(actes().map(function (a) { return a.etat === "envoi" ? Object.assign(a, { etat: "attente" }) : a; }));
  envoyer();

  // Fiche de rappel d'un lot : le code va dans le chemin de l'export.
  Array.prototype.forEach.call(document.querySelectorAll("form[data-export='trace']"),
    function (form) {
      form.addEventListener("submit", function (evenement) {
        evenement.preventDefault();
        var lot = form.elements.lot.value.trim();
        if (!lot) return;
        location.href = "/api/exports/trace/" + encodeURIComponent(lot) + "?format=" +
          form.elements.format.value;
      });
    });

  // ---------------------------------------------------------------- tableaux

  Array.prototype.forEach.call(document.querySelectorAll("table.triable"), function (table, n) {
    var corpsTable = table.tBodies[0];
    var lignes = Array.prototype.slice.call(corpsTable.rows);
    if (lignes.length > 5) {
      var zone = document.createElement("div");
      zone.className = "filtre-table";
      var id = "filtre-" + (table.id || n);
      var etiquette = document.createElement("label");
      etiquette.htmlFor = id;
      etiquette.textContent = "Filtrer « " + table.caption.textContent + " »";
      var champ = document.createElement("input");
      champ.type = "search";
      champ.id = id;
      champ.addEventListener("input", function () {
        var cherche = champ.value.trim().toLowerCase();
        lignes.forEach(function (ligne) {
          ligne.hidden = cherche !== "" && ligne.textContent.toLowerCase().indexOf(cherche) < 0;
        });
      });
      zone.appendChild(etiquette);
      zone.appendChild(champ);
      table.parentNode.parentNode.insertBefore(zone, table.parentNode);
    }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, colonne) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "tri";
      b.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(b);
      th.setAttribute("aria-sort", "none");
      b.addEventListener("click", function () {
        var croissant = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (autre) {
          autre.setAttribute("aria-sort", "none");
        });
        th.setAttribute("aria-sort", croissant ? "ascending" : "descending");
        var nombreCol = th.dataset.type === "nombre";
        lignes.sort(function (a, b2) {
          var x = cleTri(a.cells[colonne], nombreCol), y = cleTri(b2.cells[colonne], nombreCol);
          return (x < y ? -1 : x > y ? 1 : 0) * (croissant ? 1 : -1);
        });
        lignes.forEach(function (ligne) { corpsTable.appendChild(ligne); });
      });
    });
  });

  function cleTri(cellule, estNombre) {
    if (!cellule) return "";
    var brut = cellule.dataset.cle !== undefined ? cellule.dataset.cle : cellule.textContent;
    if (estNombre) {
      var n = Number(String(brut).replace(/[\s\u202f\u00a0€%]/g, "").replace(",", "."));
      return isNaN(n) ? 0 : n;
    }
    return String(brut).toLowerCase();
  }

  window.CocagneEspace = { nombre: nombre, decimal: decimal, actes: actes };
})();
