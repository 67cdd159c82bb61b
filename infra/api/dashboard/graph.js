/* Graphe de traçabilité d'un lot en SVG simple (aucune bibliothèque).
 * Colonnes : ancêtres à gauche (profondeur négative), le lot au centre, descendants à
 * droite, puis les structures qui ont reçu les lots. Chaque arête porte la quantité. */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var LARGEUR = 180, HAUTEUR = 48, ECART_X = 80, ECART_Y = 18, MARGE = 16;
  var NOEUDS_MAX = 400; // Au-delà, le graphe est illisible : la liste textuelle suffit.

  function kg(grammes) {
    return (grammes / 1000).toLocaleString("fr-FR", { maximumFractionDigits: 1 }) + " kg";
  }
  function el(nom, attributs, texte) {
    var e = document.createElementNS(NS, nom);
    Object.keys(attributs || {}).forEach(function (k) { e.setAttribute(k, attributs[k]); });
    if (texte != null) e.textContent = texte;
    return e;
  }
  function court(texte, n) { return texte.length > n ? texte.slice(0, n - 1) + "…" : texte; }

  function dessiner(conteneur, arriere, avant) {
    var noeuds = {}, aretes = [];
    function ajouter(lot, colonne, classe) {
      if (noeuds[lot.lot_id]) return;
      noeuds[lot.lot_id] = { id: lot.lot_id, colonne: colonne, titre: lot.code,
        detail: lot.product + " · " + kg(lot.quantity_g), classe: classe, rappele: lot.recalled };
    }
    var cible = (arriere || avant).lot;
    ajouter(cible, 0, "cible");
    if (arriere) {
      arriere.ancestors.forEach(function (lot) {
        ajouter(lot, -lot.depth, lot.process === "harvest" ? "origine" : "");
      });
      arriere.edges.forEach(function (a) { aretes.push([a.parent_id, a.child_id, kg(a.quantity_g)]); });
    }
    var colonneMax = 0;
    if (avant) {
      avant.descendants.forEach(function (lot) {
        ajouter(lot, lot.depth, "");
        colonneMax = Math.max(colonneMax, lot.depth);
      });
      avant.edges.forEach(function (a) { aretes.push([a.parent_id, a.child_id, kg(a.quantity_g)]); });
      avant.deliveries.forEach(function (r) {
        var id = "structure-" + r.party_id;
        if (!noeuds[id]) {
          noeuds[id] = { id: id, colonne: colonneMax + 1, titre: court(r.party_name, 24),
            detail: "structure", classe: "sortie", rappele: false };
        }
        aretes.push([r.lot_id, id, kg(r.quantity_g)]);
      });
    }
    var liste = Object.keys(noeuds).map(function (k) { return noeuds[k]; });
    if (liste.length > NOEUDS_MAX) {
      conteneur.textContent = "Graphe trop grand pour être dessiné (" + liste.length + " nœuds) : voir la liste ci-dessous.";
      return;
    }
    var colonnes = {};
    liste.forEach(function (n) { (colonnes[n.colonne] = colonnes[n.colonne] || []).push(n); });
    var cles = Object.keys(colonnes).map(Number).sort(function (a, b) { return a - b; });
    var hauteurMax = 0;
    cles.forEach(function (c, i) {
      colonnes[c].sort(function (a, b) { return a.titre < b.titre ? -1 : 1; });
      colonnes[c].forEach(function (n, j) {
        n.x = MARGE + i * (LARGEUR + ECART_X);
        n.y = MARGE + j * (HAUTEUR + ECART_Y);
      });
      hauteurMax = Math.max(hauteurMax, colonnes[c].length);
    });
    var largeur = MARGE * 2 + cles.length * LARGEUR + (cles.length - 1) * ECART_X;
    var hauteur = MARGE * 2 + hauteurMax * (HAUTEUR + ECART_Y);
    var svg = el("svg", { width: largeur, height: hauteur, viewBox: "0 0 " + largeur + " " + hauteur,
      role: "img", "aria-label": "Graphe de traçabilité du lot " + cible.code +
      " : " + liste.length + " éléments, " + aretes.length + " liens" });
    svg.appendChild(el("title", {}, "Traçabilité du lot " + cible.code));
    aretes.forEach(function (a) {
      var de = noeuds[a[0]], vers = noeuds[a[1]];
      if (!de || !vers) return;
      var x1 = de.x + LARGEUR, y1 = de.y + HAUTEUR / 2, x2 = vers.x, y2 = vers.y + HAUTEUR / 2;
      var milieu = (x1 + x2) / 2;
      svg.appendChild(el("path", { "class": "arete",
        d: "M" + x1 + "," + y1 + " C" + milieu + "," + y1 + " " + milieu + "," + y2 + " " + x2 + "," + y2 }));
      svg.appendChild(el("text", { "class": "etiquette", x: milieu, y: (y1 + y2) / 2 - 4,
        "text-anchor": "middle" }, a[2]));
    });
    liste.forEach(function (n) {
      var g = el("g", { "class": "noeud " + n.classe + (n.rappele ? " rappele" : ""),
        "data-lot-id": n.id });
      g.appendChild(el("rect", { x: n.x, y: n.y, width: LARGEUR, height: HAUTEUR, rx: 6 }));
      g.appendChild(el("text", { x: n.x + 8, y: n.y + 19, "font-weight": "600" },
        court(n.titre, 26) + (n.rappele ? " ⚠" : "")));
      g.appendChild(el("text", { x: n.x + 8, y: n.y + 37 }, court(n.detail, 28)));
      svg.appendChild(g);
    });
    conteneur.textContent = "";
    conteneur.appendChild(svg);
  }

  window.CocagneGraphe = { dessiner: dessiner, kg: kg };
})();
