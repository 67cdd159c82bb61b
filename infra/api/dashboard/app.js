/* Tableau de bord de la coopérative : session, traçabilité, gouvernance, soldes ; le stock et
 * le flux en direct (SSE) sont dans stock.js. Aucune bibliothèque externe ; tout le texte
 * vient de l'API par textContent (jamais de HTML). */
(function () {
  "use strict";
  var CLE_JETON = "cocagne.jeton";
  var jeton = sessionStorage.getItem(CLE_JETON);
  var stock = null;          // le stock et le direct (stock.js), une fois connecté
  var kg = function (g) { return window.CocagneGraphe.kg(g); };
  var euros = function (c) {
    return (c / 100).toLocaleString("fr-FR", { style: "currency", currency: "EUR" });
  };
  var $ = function (id) { return document.getElementById(id); };
  // 2026-12-07 -> 07/12/2026
  var jour = function (iso) {
    return new Date(String(iso).slice(0, 10) + "T00:00:00").toLocaleDateString("fr-FR");
  };

  // Le vocabulaire de l'API (codes stables, en anglais) dit en français à l'écran.
  var MOTS = {
    producers: "producteurs", outlets: "structures de distribution", households: "foyers",
    funders: "financeurs", employees: "salariés",
    set_allocation_key: "Clé de répartition", allocation_key: "Clé de répartition",
    set_price_grid: "Grille de prix", price_grid: "Grille de prix",
    set_basket_terms: "Conditions des paniers", basket_terms: "Conditions des paniers",
    admit_member: "Admission d’un membre", commit_budget: "Engagement budgétaire",
    funder: "financeur", funder_budget: "budget de livraison", programme_fund: "fonds du programme",
    producer: "producteur", outlet: "structure", household: "foyer", platform: "plateforme",
    network: "réseau", coordinator: "coordination", voter: "votant", auditor: "contrôle",
    proportional_to_needs: "au prorata des besoins",
    proportional_to_households: "au prorata des foyers servis",
    food_aid: "aide alimentaire", basket: "panier", canteen: "restauration collective",
    harvest: "récolte", split: "division", merge: "regroupement", transform: "transformation"
  };
  function mot(code) { return MOTS[code] || String(code).replace(/_/g, " "); }

  // Une règle votée en phrases : les montants en euros, les parts en pourcentages.
  function decrireValeur(cle, valeur) {
    if (Array.isArray(valeur)) {
      return valeur.map(function (v) { return decrireValeur(cle, v); }).join(" ; ");
    }
    if (valeur && typeof valeur === "object") {
      return Object.keys(valeur).filter(function (k) { return k !== "kind"; })
        .map(function (k) { return decrireValeur(k, valeur[k]); })
        .filter(function (texte) { return texte; }).join(", ");
    }
    if (typeof valeur === "number" && /_bp$/.test(cle)) return (valeur / 100).toLocaleString("fr-FR") + " %";
    if (typeof valeur === "number" && /_cents$/.test(cle)) return euros(valeur);
    if (typeof valeur === "number" && /_cents_per_kg$/.test(cle)) return euros(valeur) + "/kg";
    if (/_id$/.test(cle)) return "";
    return mot(valeur);
  }
  var LIBELLES = {
    key: "clé", minimum_share_bp: "minimum par structure", prices: "prix",
    outlet_share_bp: "part payée par les structures", funders: "financeurs",
    basket_price_cents: "prix du panier", household_share_cap_bp: "part maximale des foyers"
  };
  function decrireRegle(regle) {
    return Object.keys(regle).filter(function (k) { return k !== "kind"; })
      .map(function (k) {
        var texte = decrireValeur(k, regle[k]);
        return texte && LIBELLES[k] ? LIBELLES[k] + " : " + texte : texte;
      })
      .filter(function (texte) { return texte; }).join(" · ");
  }

  // Un jeton passé dans le fragment (#token=…) par « make demo » est gardé pour la session
  // de l'onglet puis retiré de la barre d'adresse.
  var fragment = location.hash.match(/token=([^&]+)/);
  if (fragment) {
    jeton = decodeURIComponent(fragment[1]);
    sessionStorage.setItem(CLE_JETON, jeton);
    history.replaceState(null, "", location.pathname);
  }

  function erreur(texte) {
    var m = $("message");
    if (!texte) { m.hidden = true; m.textContent = ""; return; }
    m.textContent = texte;
    m.hidden = false;
  }

  function api(chemin, options) {
    options = options || {};
    options.headers = Object.assign({ Accept: "application/json", "Accept-Language": "fr" },
      options.headers || {});
    if (jeton) options.headers.Authorization = "Bearer " + jeton;
    options.credentials = "same-origin";
    return fetch(chemin, options).then(function (reponse) {
      if (reponse.status === 204) return null;
      return reponse.json().then(function (corps) {
        if (!reponse.ok) {
          var e = new Error(corps && corps.message ? corps.message : "erreur " + reponse.status);
          e.status = reponse.status;
          e.code = corps && corps.code;
          throw e;
        }
        return corps;
      });
    });
  }

  function cellule(ligne, texte, classe) {
    var td = document.createElement("td");
    td.textContent = texte;
    if (classe) td.className = classe;
    ligne.appendChild(td);
    return td;
  }

  function vider(corps) { while (corps.firstChild) corps.removeChild(corps.firstChild); }

  // ------------------------------------------------------------------ session

  function etat(texte, classe) {
    var e = $("etat-direct");
    e.textContent = texte;
    e.className = "etat " + (classe || "");
  }

  function afficherConnexion() {
    $("connexion").hidden = false;
    $("identite").hidden = true;
    etat("Hors ligne", "hors-ligne");
  }

  function demarrer() {
    if (!jeton) { afficherConnexion(); return; }
    api("/api/session", { method: "POST" }).then(function (moi) {
      $("connexion").hidden = true;
      $("identite").hidden = false;
      $("identite-roles").textContent = mot(moi.kind) + " (" + moi.roles.map(mot).join(", ") + ")";
      erreur(null);
      stock = stock || window.CocagneStock({ api: api, $: $, cellule: cellule, vider: vider,
        kg: kg, jour: jour, etat: etat, surGouvernance: chargerGouvernance,
        surSoldes: chargerSoldes });
      stock.charger().then(stock.connecter, function () {});
      chargerGouvernance();
      chargerSoldes();
    }, function (e) {
      jeton = null;
      sessionStorage.removeItem(CLE_JETON);
      afficherConnexion();
      erreur("Connexion refusée : " + e.message);
    });
  }

  $("connexion").addEventListener("submit", function (evenement) {
    evenement.preventDefault();
    jeton = $("jeton").value.trim();
    $("jeton").value = "";
    sessionStorage.setItem(CLE_JETON, jeton);
    demarrer();
  });

  $("deconnexion").addEventListener("click", function () {
    api("/api/session", { method: "DELETE" }).catch(function () {});
    if (stock) stock.fermer();
    jeton = null;
    sessionStorage.removeItem(CLE_JETON);
    afficherConnexion();
  });

  // ------------------------------------------------------------------ traçabilité

  $("recherche-trace").addEventListener("submit", function (evenement) {
    evenement.preventDefault();
    var lot = $("lot-recherche").value.trim();
    var date = $("trace-date").value;
    var resultat = $("trace-resultat");
    resultat.textContent = "Recherche…";
    var chemin = "/api/lots/" + encodeURIComponent(lot) + "/trace?direction=both";
    if (date) chemin += "&as_of=" + encodeURIComponent(date + ":00");
    api(chemin).then(function (trace) { rendreTrace(resultat, trace); }, function (e) {
      resultat.textContent = "Traçabilité impossible : " + e.message;
    });
  });

  function liste(titre, elements) {
    var bloc = document.createElement("div");
    var h = document.createElement("h4");
    h.textContent = titre;
    bloc.appendChild(h);
    var ul = document.createElement("ul");
    if (!elements.length) {
      var li = document.createElement("li");
      li.textContent = "—";
      ul.appendChild(li);
    }
    elements.forEach(function (texte) {
      var li = document.createElement("li");
      li.textContent = texte;
      ul.appendChild(li);
    });
    bloc.appendChild(ul);
    return bloc;
  }

  function rendreTrace(resultat, trace) {
    resultat.textContent = "";
    var lot = (trace.backward || trace.forward).lot;
    var titre = document.createElement("h3");
    titre.textContent = "Lot " + lot.code + " — " + lot.product + (lot.recalled ? " (rappelé)" : "");
    resultat.appendChild(titre);
    var graphe = document.createElement("div");
    graphe.className = "graphe";
    resultat.appendChild(graphe);
    window.CocagneGraphe.dessiner(graphe, trace.backward, trace.forward);
    var cartes = document.createElement("div");
    cartes.className = "cartes";
    var b = trace.backward, f = trace.forward;
    if (b) {
      cartes.appendChild(liste("Origines", b.origins.map(function (o) {
        return o.code + " : " + (o.producer_name || "producteur inconnu") +
          (o.origin ? ", " + o.origin : "") + (o.harvest_date ? ", récolté le " + jour(o.harvest_date) : "") +
          (o.organic_certificate ? ", certificat " + o.organic_certificate : "");
      })));
      cartes.appendChild(liste("Sites traversés", b.sites.map(function (r) {
        return r.party_name + " : " + kg(r.quantity_g) + " (" + r.code + ")";
      })));
      cartes.appendChild(liste("Lots d’origine et intermédiaires", b.ancestors.map(function (l) {
        return l.code + " (" + l.product + ", " + mot(l.process) + ")";
      })));
    }
    if (f) {
      cartes.appendChild(liste("Lots issus", f.descendants.map(function (l) {
        return l.code + " (" + l.product + ", " + kg(l.quantity_g) + ")" + (l.recalled ? " — rappelé" : "");
      })));
      cartes.appendChild(liste("Structures livrées", f.deliveries.map(function (r) {
        return r.party_name + " : " + kg(r.quantity_g) + " (" + r.code + ")";
      })));
      cartes.appendChild(liste("Distribué", f.distributions.map(function (r) {
        return r.party_name + " : " + kg(r.quantity_g) + (r.channel ? " (" + mot(r.channel) + ")" : "");
      })));
      cartes.appendChild(liste("Pertes", f.losses.concat(f.transit_losses).map(function (r) {
        return r.party_name + " : " + kg(r.quantity_g) + " (" + r.code + ")";
      })));
    }
    resultat.appendChild(cartes);
  }

  // ------------------------------------------------------------------ gouvernance

  function pourcent(bp) { return (bp / 100).toLocaleString("fr-FR", { maximumFractionDigits: 1 }) + " %"; }

  function carteProposition(p) {
    var carte = document.createElement("article");
    carte.className = "carte";
    var h = document.createElement("h4");
    h.textContent = p.title;
    carte.appendChild(h);
    var info = document.createElement("p");
    info.textContent = mot(p.kind) + " · clôture le " + new Date(p.closes_at).toLocaleString("fr-FR") +
      " · " + p.votes_cast + " votes sur " + p.members_on_roll;
    carte.appendChild(info);
    var t = p.tally;
    var resume = document.createElement("p");
    resume.textContent = "Oui pondéré : " + pourcent(t.yes_share_bp) + " (seuil " + pourcent(p.threshold_bp) +
      ") · participation " + pourcent(t.participation_bp) + " (quorum " + pourcent(p.quorum_bp) + ")" +
      (p.status === "open" ? " — provisoire" : (t.adopted ? " — adoptée" : " — rejetée"));
    carte.appendChild(resume);
    t.colleges.forEach(function (c) {
      var ligne = document.createElement("div");
      var exprimes = c.yes + c.no;
      var part = exprimes ? Math.round(c.yes * 100 / exprimes) : 0;
      var texte = document.createElement("p");
      texte.textContent = "Collège des " + mot(c.college) + " (" + pourcent(c.weight_bp) + ") : " +
        c.yes + " oui, " + c.no + " non, " + c.abstain +
        (c.abstain > 1 ? " abstentions" : " abstention");
      ligne.appendChild(texte);
      var barre = document.createElement("div");
      barre.className = "barre";
      barre.setAttribute("role", "img");
      barre.setAttribute("aria-label", part + " % de oui parmi les votes exprimés");
      var rempli = document.createElement("span");
      rempli.style.width = part + "%";
      barre.appendChild(rempli);
      ligne.appendChild(barre);
      carte.appendChild(ligne);
    });
    return carte;
  }

  function chargerGouvernance() {
    api("/api/proposals").then(function (propositions) {
      var ouvertes = $("propositions"), decisions = $("decisions");
      ouvertes.textContent = ""; decisions.textContent = "";
      var o = document.createElement("div"), d = document.createElement("div");
      o.className = d.className = "cartes";
      propositions.forEach(function (p) {
        (p.status === "open" ? o : d).appendChild(carteProposition(p));
      });
      if (!o.firstChild) o.textContent = "Aucune proposition ouverte.";
      if (!d.firstChild) d.textContent = "Aucune décision.";
      ouvertes.appendChild(o);
      decisions.appendChild(d);
    }, function (e) { $("propositions").textContent = e.message; });
    api("/api/rules").then(function (regles) {
      var bloc = $("regles");
      bloc.textContent = "";
      if (!regles.rules.length) { bloc.textContent = "Règles par défaut : aucune règle votée."; return; }
      var ul = document.createElement("ul");
      regles.rules.forEach(function (r) {
        var li = document.createElement("li");
        li.textContent = mot(r.kind) + " — en vigueur depuis le " +
          new Date(r.effective_from + "T00:00:00").toLocaleDateString("fr-FR") +
          ", décidée par « " + r.decision_title + " » : " + decrireRegle(r.rule);
        ul.appendChild(li);
      });
      bloc.appendChild(ul);
    }, function (e) { $("regles").textContent = e.message; });
  }

  // ------------------------------------------------------------------ soldes

  function chargerSoldes() {
    api("/api/balances").then(function (soldes) {
      var corps = $("table-soldes").querySelector("tbody");
      vider(corps);
      soldes.accounts.forEach(function (a) {
        var tr = document.createElement("tr");
        cellule(tr, a.owner_name || a.owner_id);
        cellule(tr, mot(a.kind));
        cellule(tr, euros(a.debits_posted_cents), "nombre");
        cellule(tr, euros(a.credits_posted_cents), "nombre");
        cellule(tr, euros(a.debits_pending_cents + a.credits_pending_cents), "nombre");
        cellule(tr, euros(a.balance_cents), "nombre");
        corps.appendChild(tr);
      });
      if (!soldes.accounts.length) {
        var tr = document.createElement("tr");
        cellule(tr, "Aucun compte.").colSpan = 6;
        corps.appendChild(tr);
      }
      $("soldes-somme").textContent = soldes.total_cents == null ? "réservé à la coordination" : euros(soldes.total_cents);
    }, function (e) {
      $("soldes-somme").textContent = e.status === 403 ? "votre rôle ne donne pas accès aux soldes" : e.message;
    });
  }

  demarrer();
})();
