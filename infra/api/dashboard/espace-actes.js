/* Espace de travail, les actes : lit les formulaires (la saisie en français est dans
 * espace-saisie.js), les garde sur l'appareil avec leur clé d'idempotence, les envoie dans l'ordre (au retour du
 * réseau s'il le faut), montre chacun en attente, envoyé ou refusé (avec la raison), puis
 * rafraîchit les sections de la page en place. Aucune bibliothèque. */
(function () {
  "use strict";
  var E = window.CocagneEspace;
  var $ = E.$;
  var S = E.saisie;  // espace-saisie.js : les champs en français, la ligne d'un acte
  var valeur = S.valeur, libelle = S.libelle, cases = S.cases;
  var CLE_ACTES = "cocagne.espace.actes." + (document.body.dataset.membre || "");
  var ACTES_GARDES_MAX = 30;   // actes listés sur l'appareil ; les plus anciens envoyés partent
  var ENVOI_DELAI_MS = 15000;  // au-delà, une requête est tenue pour perdue et réessayée
  var REESSAI_MS = 5000;       // attente avant de réessayer quand le réseau manque

  // ---------------------------------------------------------------- saisie en français

  function cleNouvelle() {
    if (window.crypto && crypto.randomUUID) return "page-" + crypto.randomUUID();
    return "page-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
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

  function champsDe(form) {
    return Array.prototype.filter.call(form.elements, function (c) {
      return c.dataset && c.dataset.kind;
    });
  }

  // Le corps de la commande à partir du formulaire ; null et erreurs affichées sinon.
  function lire(form) {
    var corpsCommande = JSON.parse(form.dataset.fixed || "{}");
    var erreurs = [];
    var lus = [];  // les champs remplis, pour la ligne de « Mes actes »
    var listes = {};
    var nomsDeListe = {};
    var lignesNumerotees = {};
    champsDe(form).forEach(function (champ) {
      champ.removeAttribute("aria-invalid");
      var r = valeur(champ);
      if (r.erreur) {
        erreurs.push(libelle(champ) + " : " + r.erreur);
        champ.setAttribute("aria-invalid", "true");
        return;
      }
      if (!r.absent) lus.push({ champ: champ, r: r });
      if (champ.dataset.list && champ.dataset.ligne) {
        // Lignes numérotées : une ligne commencée doit avoir ses champs requis.
        var cleLigne = champ.dataset.list + "#" + champ.dataset.ligne;
        var l = lignesNumerotees[cleLigne] = lignesNumerotees[cleLigne] ||
          { liste: champ.dataset.list, valeurs: {}, requis: [], ordre: Number(champ.dataset.ligne) };
        if (champ.dataset.ligneRequis) l.requis.push(libelle(champ));
        if (!r.absent) l.valeurs[champ.name] = { valeur: r.valeur, libelle: libelle(champ) };
        return;
      }
      if (champ.dataset.list) {
        nomsDeListe[champ.dataset.list] = nomsDeListe[champ.dataset.list] || {};
        nomsDeListe[champ.dataset.list][champ.name] = 1;
      }
      if (r.absent) return;
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
    Object.keys(lignesNumerotees).map(function (cle) { return lignesNumerotees[cle]; })
      .sort(function (a, b) { return a.ordre - b.ordre; }).forEach(function (ligne) {
        var noms = Object.keys(ligne.valeurs);
        if (!noms.length) return;  // une ligne laissée vide est sautée
        var libelles = noms.map(function (n) { return ligne.valeurs[n].libelle; });
        var manquants = ligne.requis.filter(function (lib) { return libelles.indexOf(lib) < 0; });
        if (manquants.length) { erreurs.push(manquants.join(", ") + " : à remplir"); return; }
        var entree = {};
        noms.forEach(function (n) { entree[n] = ligne.valeurs[n].valeur; });
        (listes[ligne.liste] = listes[ligne.liste] || []).push(entree);
        nomsDeListe[ligne.liste] = nomsDeListe[ligne.liste] || {};
      });
    // Une ligne de liste à moitié remplie (un lot sans sa quantité) n'est pas envoyée.
    Object.keys(listes).forEach(function (nom) {
      var attendus = Object.keys(nomsDeListe[nom] || {});
      if (listes[nom].some(function (ligne) {
        return attendus.some(function (cle) { return !(cle in ligne); });
      })) erreurs.push("une ligne est incomplète : remplissez chacun de ses champs ou aucun");
      placer(corpsCommande, nom, listes[nom]);
    });
    var zone = form.querySelector(".erreur-formulaire");
    if (erreurs.length) {
      zone.textContent = "À corriger : " + erreurs.join(" ; ");
      zone.hidden = false;
      var premier = form.querySelector("[aria-invalid='true']");
      if (premier) premier.focus();
      return null;
    }
    zone.hidden = true;
    return { corps: corpsCommande, resume: S.resumer(form, lus) };
  }

  // ---------------------------------------------------------------- file des actes

  function actes() {
    try { return JSON.parse(localStorage.getItem(CLE_ACTES) || "[]"); } catch (e) { return []; }
  }
  function garder(liste) {
    liste = liste.map(S.sansDonneesPersonnelles);
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

  function bouton(texte, action) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = texte;
    b.addEventListener("click", action);
    return b;
  }

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
        // Sans ses données personnelles (retirées de l'appareil), l'acte ne peut repartir
        // tel quel : « Corriger » les fait saisir de nouveau.
        if (!acte.sansPersonnel) li.appendChild(bouton("Renvoyer", function () {
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

  // Remet un acte refusé dans son formulaire pour le corriger ; l'envoi corrigé est un
  // nouvel acte (nouvelle clé).
  function corriger(acte) {
    var form = Array.prototype.find.call(document.querySelectorAll("form.acte"), function (f) {
      return f.dataset.command === acte.commande && f.dataset.fixed === acte.fixe;
    });
    if (!form) { E.message("Le formulaire de cet acte n’est plus sur cette page."); return; }
    var champs = champsDe(form);
    champs.forEach(function (champ, i) {
      var saisi = acte.saisie[i];
      if (saisi === undefined) return;
      if (champ.tagName === "FIELDSET") {
        Array.prototype.forEach.call(champ.querySelectorAll("input[type=checkbox]"), function (c) {
          c.checked = (saisi || []).indexOf(c.value) >= 0;
        });
      } else if (champ.type === "checkbox") {
        champ.checked = false;  // une confirmation se redonne à chaque envoi
      } else {
        champ.value = saisi;
      }
    });
    garder(actes().filter(function (a) { return a.cle !== acte.cle; }));
    form.dataset.cle = cleNouvelle();
    form.dataset.envoye = "";
    var prives = S.personnels(acte.commande);
    var aRemplir = champs.filter(function (c) {
      return prives.indexOf(c.name) >= 0 && c.required && !c.value;
    });
    if (aRemplir.length) aRemplir[0].focus(); else if (champs[0]) champs[0].focus();
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
        Authorization: "Bearer " + (E.jeton() || "") },
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
      return reponse.json().catch(function () { return {}; }).then(function (corpsReponse) {
        if (reponse.ok) {
          dernierePosition = Math.max(dernierePosition, corpsReponse.notification_id || 0);
          changer(suivant.cle, { etat: "envoye", envoye: Date.now() });
        } else if (reponse.status >= 500 || reponse.status === 429) {
          changer(suivant.cle, { etat: "attente" });
          throw new Error("serveur");
        } else {
          changer(suivant.cle, { etat: "refuse", raison: corpsReponse.message ||
            ("Refusé (" + reponse.status + ").") });
        }
      });
    }).then(function () {
      enCours = false;
      if (actes().some(function (a) { return a.etat === "attente"; })) { envoyer(); return; }
      if (dernierePosition) {
        var position = dernierePosition;
        dernierePosition = 0;
        rafraichir(position);
      }
    }, function () {
      // Réseau coupé ou serveur indisponible : l'acte reste en attente sur l'appareil.
      enCours = false;
      changer(suivant.cle, { etat: "attente" });
      setTimeout(envoyer, REESSAI_MS);
    });
  }

  // ---------------------------------------------------------------- rafraîchir en place

  // La page telle que le serveur la rend après l'acte (?apres=N attend que les vues l'aient
  // appliqué) ; ses sections remplacent celles d'ici, sauf la liste des actes. La position
  // de lecture et le focus restent ; en cas d'échec, la page se recharge.
  function rafraichir(position) {
    var adresse = location.pathname + "?apres=" + position;
    fetch(adresse, { credentials: "same-origin", headers: { Accept: "text/html",
      "X-Cocagne-Page": "1" } }).then(function (reponse) {
      if (!reponse.ok || reponse.redirected) throw new Error("page");
      return reponse.text();
    }).then(function (texte) {
      var neuve = new DOMParser().parseFromString(texte, "text/html");
      var contenu = $("contenu");
      Array.prototype.forEach.call(contenu.querySelectorAll(":scope > section, :scope > .resume"),
        function (ancienne) {
          if (ancienne.id === "actes") return;
          var remplacante = ancienne.id ? neuve.getElementById(ancienne.id) :
            neuve.querySelector("#contenu > .resume");
          if (!remplacante) return;
          var importee = document.importNode(remplacante, true);
          ancienne.parentNode.replaceChild(importee, ancienne);
          E.preparer(importee);
          preparerFormulaires(importee);
        });
      var date = neuve.getElementById("date-page");
      if (date && $("date-page")) $("date-page").textContent = date.textContent;
      document.body.dataset.position = String(position);
      history.replaceState(null, "", adresse);
      document.dispatchEvent(new CustomEvent("cocagne:rafraichie", { detail: position }));
    }).catch(function () { location.replace(adresse); });
  }

  function enregistrer(form) {
    var lu = lire(form);
    if (!lu) return;
    var cle = form.dataset.cle;
    var liste = actes();
    if (liste.some(function (a) { return a.cle === cle; })) return; // double envoi : un seul acte
    var champs = champsDe(form);
    var saisie = champs.map(function (c) {
      if (c.tagName === "FIELDSET") return cases(c);
      return c.type === "checkbox" ? c.checked : c.value;
    });
    // Où sont les champs personnels de la saisie : effacés dès l'envoi ou le refus.
    var prives = [];
    champs.forEach(function (c, i) {
      if (S.personnels(form.dataset.command).indexOf(c.name) >= 0) prives.push(i);
    });
    liste.push({ cle: cle, commande: form.dataset.command, corps: lu.corps, resume: lu.resume,
      fixe: form.dataset.fixed, saisie: saisie, prives: prives, etat: "attente",
      cree: Date.now() });
    garder(liste);
    form.dataset.envoye = "1";
    if (!navigator.onLine) {
      E.message("Hors connexion : l’acte est gardé sur l’appareil et partira au retour du réseau.");
      form.reset();
    }
    envoyer();
  }

  function preparerFormulaires(racine) {
    Array.prototype.forEach.call(racine.querySelectorAll("form.acte"), function (form) {
      form.dataset.cle = cleNouvelle();
      form.addEventListener("submit", function (evenement) {
        evenement.preventDefault();
        enregistrer(form);
      });
      form.addEventListener("input", function () {
        // Une saisie nouvelle après un envoi est un nouvel acte : nouvelle clé.
        if (form.dataset.envoye) { form.dataset.cle = cleNouvelle(); form.dataset.envoye = ""; }
      });
      // Choisir un lot remplit d'autres champs de ses données : « cible » (data-kg) ou
      // « cible:cle » (data-cle), séparés par des espaces.
      Array.prototype.forEach.call(form.querySelectorAll("select[data-remplit]"), function (s) {
        s.addEventListener("change", function () {
          var option = s.options[s.selectedIndex];
          s.dataset.remplit.split(" ").forEach(function (regle) {
            var parties = regle.split(":");
            var cible = form.querySelector("[name='" + parties[0] + "']");
            var donnee = option ? option.dataset[parties[1] || "kg"] : undefined;
            if (cible && donnee !== undefined) cible.value = donnee;
          });
        });
      });
    });
  }

  preparerFormulaires(document);
  window.addEventListener("online", envoyer);
  // Un envoi interrompu (page rechargée, appareil éteint) repart avec la même clé : si le
  // registre l'avait reçu, il répond la même chose sans rien écrire de plus.
  garder(actes().map(function (a) {
    return a.etat === "envoi" ? Object.assign(a, { etat: "attente" }) : a;
  }));
  envoyer();

  E.actes = actes;
  E.decimal = S.decimal;
})();
